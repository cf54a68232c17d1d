const TOKEN_KEY = 'render-service.token'

/**
 * The user's token: from `#token=…` (then removed from the address bar, so it is not left in the
 * history or copied with the link), or from this tab's sessionStorage. Never persisted beyond the tab.
 */
export function initialToken (): string {
  const fromHash = new URLSearchParams(location.hash.slice(1)).get('token')
  if (fromHash !== null && fromHash !== '') {
    rememberToken(fromHash)
    history.replaceState(null, '', location.pathname + location.search)
    return fromHash
  }
  return sessionStorage.getItem(TOKEN_KEY) ?? ''
}

export function rememberToken (token: string) {
  if (token === '') sessionStorage.removeItem(TOKEN_KEY)
  else sessionStorage.setItem(TOKEN_KEY, token)
}
