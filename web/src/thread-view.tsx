import { useEffect, useMemo, useState } from 'preact/hooks'
import type { Message, RenderServiceClient } from '@render-service/client'
import { Compose } from './compose.js'
import { errorText } from './format.js'
import { MessageItem } from './message-item.js'
import { UploadTracker, useUploads } from './uploads.js'

const PAGE_SIZE = 10
/** How often the newest page is read again, to show other people's messages and attached renders. */
const REFRESH_MS = 2_000

interface ThreadViewProps {
  client: RenderServiceClient
  threadId: string
  userId: string
}

/** Newest first: fresh copies of the newest page replace older copies; older pages stay. */
function merge (newest: Message[], current: Message[]) {
  const fresh = new Set(newest.map((message) => message.id))
  const rest = current.filter((message) => !fresh.has(message.id))
  return [...newest, ...rest].sort((a, b) => b.created_at.localeCompare(a.created_at) || b.id.localeCompare(a.id))
}

export function ThreadView ({ client, threadId, userId }: ThreadViewProps) {
  const [messages, setMessages] = useState<Message[]>([])
  const [olderCursor, setOlderCursor] = useState<string | null>(null)
  const [error, setError] = useState<string | null>(null)
  const uploads = useUploads(useMemo(() => new UploadTracker(), [threadId]))

  useEffect(() => {
    let stopped = false
    setMessages([])
    setOlderCursor(null)
    const refresh = async (first: boolean) => {
      try {
        const page = await client.messages.list(threadId, { limit: PAGE_SIZE })
        if (stopped) return
        setMessages((current) => first ? page.messages : merge(page.messages, current))
        if (first) setOlderCursor(page.next_cursor)
        setError(null)
      } catch (err) {
        if (!stopped) setError(errorText(err))
      }
    }
    void refresh(true)
    const timer = setInterval(() => { void refresh(false) }, REFRESH_MS)
    return () => {
      stopped = true
      clearInterval(timer)
    }
  }, [client, threadId])

  async function loadOlder () {
    if (olderCursor === null) return
    const page = await client.messages.list(threadId, { limit: PAGE_SIZE, cursor: olderCursor })
    setMessages((current) => [...current, ...page.messages.filter((message) => !current.some((m) => m.id === message.id))])
    setOlderCursor(page.next_cursor)
  }

  async function send ({ note, file }: { note: string, file: File | null }) {
    const input = { parent_thread: threadId, user_id: userId, snapshot: note === '' ? {} : { note } }
    if (file === null) {
      const message = await client.messages.create(input)
      setMessages((current) => merge([message], current))
      return
    }
    const { message, upload } = await client.sendMessageWithRender({ ...input, file })
    setMessages((current) => merge([message], current))
    uploads.track(upload, file, (render) => {
      setMessages((current) => current.map((m) => m.id === message.id && !m.renders.some((r) => r.id === render.id)
        ? { ...m, renders: [...m.renders, render] }
        : m))
    })
  }

  const latestOwn = messages.find((message) => message.user_id === userId)?.id
  return (
    <section>
      <Compose onSend={send} />
      {error !== null && <p class="error">{error}</p>}
      <ul>
        {messages.map((message) => (
          <MessageItem
            key={message.id} message={message} localFiles={uploads.localFiles}
            upload={message.id === latestOwn ? uploads.get(message.id) : undefined}
          />
        ))}
      </ul>
      {olderCursor !== null && <button type="button" data-testid="load-older" onClick={() => { void loadOlder().catch((err: unknown) => setError(errorText(err))) }}>Load older</button>}
    </section>
  )
}
