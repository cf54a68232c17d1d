import type { RenderServiceClient } from '@render-service/client'

/** The signed-in user's id, which the page writes as the author of its messages. */
export async function whoAmI (client: RenderServiceClient): Promise<string> {
  const me = await client.me()
  if (me.user_id === null) throw new Error('This is the service\'s token, not a user token: sign in with your own')
  return me.user_id
}
