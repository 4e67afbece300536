/** A contact's picture, or their initial on a colour derived from the address (the same on every device). */
export function Avatar({ jid, name, url }: { jid: string; name: string; url?: string }) {
  if (url) return <img className="avatar" src={url} alt="" aria-hidden="true" />;
  let hash = 0;
  for (const ch of jid) hash = (hash * 31 + ch.codePointAt(0)!) >>> 0;
  const initial = [...name.trim()][0]?.toUpperCase() ?? '?';
  return (
    <span className="avatar" aria-hidden="true" style={{ backgroundColor: `hsl(${hash % 360} 45% 42%)` }}>
      {initial}
    </span>
  );
}
