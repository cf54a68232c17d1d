import type { RenderServiceClient } from '@render-service/client'

/** The signed-in user's id, which the page writes as the author of its messages. */
export async function whoAmI (_client: RenderServiceClient, token: string): Promise<string> {
  const response = await fetch('/api/v1/me', { headers: { authorization: `Bearer ${token}` } })
  if (response.status === 404) return 'web'
  const me = await response.json() as { user_id: string | null }
  if (me.user_id === null) throw new Error('This is not a user token: ask for your own')
  return me.user_id
}
