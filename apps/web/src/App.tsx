/**
 * Placeholder until the web client issue: says what this server is and how
 * to connect to it with an existing XMPP app.
 */
export function App() {
  const domain = window.location.hostname;
  return (
    <main style={{ fontFamily: 'system-ui, sans-serif', maxWidth: '40rem', margin: '3rem auto', padding: '0 1rem' }}>
      <h1>Conexizan</h1>
      <p>
        A privacy-first XMPP service. The web client is on its way; until then, register from any XMPP app
        (Conversations, monocles chat, Monal, Gajim, Dino) with an address ending in <strong>@{domain}</strong>.
      </p>
    </main>
  );
}
