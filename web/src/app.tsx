import { useEffect, useMemo, useState } from 'preact/hooks'
import { createClient, type Thread } from '@render-service/client'
import { errorText } from './format.js'
import { initialToken, rememberToken } from './session.js'
import { ThreadList } from './thread-list.js'
import { ThreadView } from './thread-view.js'
import { whoAmI } from './who-am-i.js'

export function App () {
  const [token, setToken] = useState(initialToken)
  const client = useMemo(() => token === '' ? null : createClient({ baseUrl: location.origin, getToken: () => token }), [token])
  const [userId, setUserId] = useState<string | null>(null)
  const [threads, setThreads] = useState<Thread[]>([])
  const [selected, setSelected] = useState<string | null>(null)
  const [error, setError] = useState<string | null>(null)

  useEffect(() => {
    setUserId(null)
    setThreads([])
    if (client === null) return
    Promise.all([whoAmI(client), client.threads.list({ limit: 100 })]).then(([me, page]) => {
      setUserId(me)
      setThreads(page.threads)
      setError(null)
    }, (err: unknown) => setError(errorText(err)))
  }, [client])

  return (
    <>
      <header>
        <label for="token">Token</label>
        <input
          id="token" data-testid="token" type="password" autocomplete="off" placeholder="Your user token" value={token}
          onChange={(event) => {
            const value = (event.target as HTMLInputElement).value.trim()
            rememberToken(value)
            setToken(value)
          }}
        />
        {userId !== null && <span>Signed in as <strong data-testid="me">{userId}</strong></span>}
      </header>
      {error !== null && <p class="error">{error}</p>}
      {client !== null && userId !== null && (
        <main>
          <ThreadList threads={threads} selected={selected} onSelect={setSelected} />
          {selected !== null ? <ThreadView client={client} threadId={selected} userId={userId} /> : <p class="status">Choose a thread.</p>}
        </main>
      )}
    </>
  )
}
