import type { Thread } from '@render-service/client'

interface ThreadListProps {
  threads: Thread[]
  selected: string | null
  onSelect (id: string): void
}

export function ThreadList ({ threads, selected, onSelect }: ThreadListProps) {
  return (
    <nav>
      <ul data-testid="thread-list">
        {threads.map((thread) => (
          <li key={thread.id} data-testid="thread-item" data-thread-id={thread.id}>
            <button type="button" aria-current={thread.id === selected} onClick={() => onSelect(thread.id)}>
              {thread.title ?? 'Untitled'}
            </button>
          </li>
        ))}
      </ul>
      {threads.length === 0 && <p class="status">No threads yet.</p>}
    </nav>
  )
}
