import type { Config } from '../../config/schema.ts';
import type { Language } from './language.ts';

/**
 * The privacy statement, written from the running configuration, so what
 * it promises (how many days, what is kept, what is switched on) is what
 * the server does. Each section is a title and paragraphs of plain text.
 */
export interface PrivacySection {
  title: string;
  paragraphs: string[];
}

/** The facts of the configuration the statement speaks about. */
export interface PrivacyFacts {
  retentionDays: number;
  archiveDefault: 'always' | 'roster' | 'never';
  offlineMessages: number;
  uploads: { expireDays: number; maxMegabytes: number } | null;
  groupChats: boolean;
  federation: boolean;
  reserveDeletedDays: number;
  turn: boolean;
  contacts: string[];
}

export function privacyFacts(config: Config): PrivacyFacts {
  return {
    retentionDays: config.archive.retention_days,
    archiveDefault: config.archive.default_preference,
    offlineMessages: config.limits.offline_messages,
    uploads: config.upload.enabled && (config.ports.http || config.ports.https || config.upload.public_url)
      ? { expireDays: config.upload.expire_days, maxMegabytes: Math.round(config.upload.max_file_bytes / 1_048_576) }
      : null,
    groupChats: config.muc.enabled,
    federation: config.ports.s2s !== 0 || config.ports.s2s_tls !== 0,
    reserveDeletedDays: config.accounts.reserve_deleted_days,
    turn: config.turn.host !== '',
    contacts: [...new Set([...config.contact.admin, ...config.contact.support, ...config.contact.security])],
  };
}

const plural = (n: number, one: string, many: string) => `${n} ${n === 1 ? one : many}`;

function english(f: PrivacyFacts): PrivacySection[] {
  const days = plural(f.retentionDays, 'day', 'days');
  const archive = {
    always: `Unless you switch it off, the server keeps your messages for ${days} in an archive, so that your phone can catch up after losing its connection and all your devices show the same conversation. After ${days} they are deleted.`,
    roster: `If you choose to, the server keeps messages for ${days} in an archive, so that your devices can catch up; by default only messages with your contacts are kept. After ${days} they are deleted.`,
    never: `The server keeps no archive of your messages unless you switch it on in your app; then they are kept for ${days} and deleted after that.`,
  }[f.archiveDefault];
  return [
    {
      title: 'What you give us',
      paragraphs: [
        'A username and a password. Nothing else: no phone number, no e-mail address, no name.',
        'Your password is never stored. The server keeps only keys derived from it (SCRAM), which let it check a login but cannot be turned back into the password.',
      ],
    },
    {
      title: 'Your messages',
      paragraphs: [
        archive,
        'Messages encrypted end to end (OMEMO, which the recommended apps and the web chat use) are stored as encrypted data that the server cannot read. Messages sent without end-to-end encryption are protected on the way but can be read by the server while they are kept.',
        'You decide: in your app’s settings you can switch the archive off, or keep it for your contacts only. Messages marked as not to be stored are never archived.',
        `While you are offline, up to ${f.offlineMessages} messages for you wait on the server and are deleted once one of your devices has fetched them.`,
      ],
    },
    {
      title: 'What else the server keeps',
      paragraphs: [
        'Your contact list, the profile you choose to publish (nickname, picture), the public keys of your devices for encryption, and your group chat bookmarks, until you change or delete them.',
        ...(f.uploads
          ? [`Files and pictures you send are kept for ${f.uploads.expireDays === 0 ? 'as long as your account exists' : plural(f.uploads.expireDays, 'day', 'days')} at an address nobody can guess, and anyone with that address can download them; files sent in an end-to-end-encrypted chat are encrypted before they leave your device. The server records their size and type, never their name or who can see them.`]
          : []),
        ...(f.groupChats ? [`Group chats keep their messages for ${days} in the room’s archive, unless the room’s owners switch it off.`] : []),
      ],
    },
    {
      title: 'What is never recorded',
      paragraphs: [
        'The server’s logs never contain IP addresses, message contents or passwords.',
        'To slow down password guessing, failed logins and new registrations are counted per network address, but only as a fingerprint made with a secret key, in memory, never on disk, and forgotten after an hour at most.',
        'This website sets no cookies, uses no trackers and loads nothing from other servers.',
        ...(f.turn ? ['For calls, the relay server gets temporary credentials that carry a fingerprint instead of your address.'] : []),
      ],
    },
    ...(f.federation
      ? [{
          title: 'Other servers',
          paragraphs: ['When you talk to someone on another XMPP server, your messages and your profile go to that server, whose operators have their own rules. End-to-end encryption protects your messages there as well.'],
        }]
      : []),
    {
      title: 'Deleting your account',
      paragraphs: [
        `You can delete your account at any time from your app or the web chat. Your contact list, archive, waiting messages, profile and files are deleted with it. Your username stays reserved for ${plural(f.reserveDeletedDays, 'day', 'days')} so that nobody can pretend to be you.`,
      ],
    },
    ...(f.contacts.length
      ? [{ title: 'Questions', paragraphs: [`The people running this service: ${f.contacts.join(', ')}.`] }]
      : []),
  ];
}

function german(f: PrivacyFacts): PrivacySection[] {
  const days = plural(f.retentionDays, 'Tag', 'Tage');
  const daysDative = plural(f.retentionDays, 'Tag', 'Tagen');
  const archive = {
    always: `Wenn du es nicht abschaltest, bewahrt der Server deine Nachrichten ${days} lang in einem Archiv auf, damit dein Telefon nach einem Verbindungsabbruch nachladen kann und alle deine Geräte dasselbe Gespräch zeigen. Nach ${daysDative} werden sie gelöscht.`,
    roster: `Wenn du es wählst, bewahrt der Server Nachrichten ${days} lang in einem Archiv auf, damit deine Geräte nachladen können; ohne deine Wahl nur Nachrichten mit deinen Kontakten. Nach ${daysDative} werden sie gelöscht.`,
    never: `Der Server führt kein Archiv deiner Nachrichten, außer du schaltest es in deiner App ein; dann werden sie ${days} lang aufbewahrt und danach gelöscht.`,
  }[f.archiveDefault];
  return [
    {
      title: 'Was du uns gibst',
      paragraphs: [
        'Einen Benutzernamen und ein Passwort. Sonst nichts: keine Telefonnummer, keine E-Mail-Adresse, keinen Namen.',
        'Dein Passwort wird nie gespeichert. Der Server behält nur daraus abgeleitete Schlüssel (SCRAM), mit denen er eine Anmeldung prüfen kann, aus denen sich das Passwort aber nicht zurückgewinnen lässt.',
      ],
    },
    {
      title: 'Deine Nachrichten',
      paragraphs: [
        archive,
        'Ende-zu-Ende-verschlüsselte Nachrichten (OMEMO, das die empfohlenen Apps und der Web-Chat nutzen) werden als verschlüsselte Daten gespeichert, die der Server nicht lesen kann. Nachrichten ohne Ende-zu-Ende-Verschlüsselung sind unterwegs geschützt, können aber vom Server gelesen werden, solange sie aufbewahrt werden.',
        'Du entscheidest: In den Einstellungen deiner App kannst du das Archiv abschalten oder nur für deine Kontakte führen. Nachrichten, die als nicht zu speichern markiert sind, kommen nie ins Archiv.',
        `Während du offline bist, warten bis zu ${f.offlineMessages} Nachrichten für dich auf dem Server und werden gelöscht, sobald eines deiner Geräte sie abgeholt hat.`,
      ],
    },
    {
      title: 'Was der Server sonst aufbewahrt',
      paragraphs: [
        'Deine Kontaktliste, das Profil, das du veröffentlichst (Spitzname, Bild), die öffentlichen Schlüssel deiner Geräte für die Verschlüsselung und deine Lesezeichen für Gruppenchats, bis du sie änderst oder löschst.',
        ...(f.uploads
          ? [`Dateien und Bilder, die du sendest, werden ${f.uploads.expireDays === 0 ? 'so lange wie dein Konto' : `${plural(f.uploads.expireDays, 'Tag', 'Tage')} lang`} unter einer Adresse aufbewahrt, die niemand erraten kann, und alle, die diese Adresse haben, können sie herunterladen; Dateien in einem Ende-zu-Ende-verschlüsselten Chat werden verschlüsselt, bevor sie dein Gerät verlassen. Der Server vermerkt Größe und Typ, nie den Namen oder wer sie sehen darf.`]
          : []),
        ...(f.groupChats ? [`Gruppenchats bewahren ihre Nachrichten ${days} lang im Archiv des Raums auf, außer die Besitzer*innen des Raums schalten es ab.`] : []),
      ],
    },
    {
      title: 'Was nie aufgezeichnet wird',
      paragraphs: [
        'Die Protokolle des Servers enthalten nie IP-Adressen, Nachrichteninhalte oder Passwörter.',
        'Um das Erraten von Passwörtern zu bremsen, werden fehlgeschlagene Anmeldungen und neue Registrierungen pro Netzwerkadresse gezählt, aber nur als Fingerabdruck, der mit einem geheimen Schlüssel gebildet wird, im Arbeitsspeicher, nie auf der Festplatte, und nach spätestens einer Stunde vergessen.',
        'Diese Website setzt keine Cookies, nutzt keine Tracker und lädt nichts von anderen Servern.',
        ...(f.turn ? ['Für Anrufe bekommt der Relay-Server vorübergehende Zugangsdaten, die einen Fingerabdruck statt deiner Adresse enthalten.'] : []),
      ],
    },
    ...(f.federation
      ? [{
          title: 'Andere Server',
          paragraphs: ['Wenn du mit jemandem auf einem anderen XMPP-Server schreibst, gehen deine Nachrichten und dein Profil an diesen Server, dessen Betreiber*innen eigene Regeln haben. Ende-zu-Ende-Verschlüsselung schützt deine Nachrichten auch dort.'],
        }]
      : []),
    {
      title: 'Dein Konto löschen',
      paragraphs: [
        `Du kannst dein Konto jederzeit in deiner App oder im Web-Chat löschen. Kontaktliste, Archiv, wartende Nachrichten, Profil und Dateien werden mitgelöscht. Dein Benutzername bleibt ${plural(f.reserveDeletedDays, 'Tag', 'Tage')} lang reserviert, damit sich niemand als du ausgeben kann.`,
      ],
    },
    ...(f.contacts.length
      ? [{ title: 'Fragen', paragraphs: [`Die Menschen, die diesen Dienst betreiben: ${f.contacts.join(', ')}.`] }]
      : []),
  ];
}

export function privacyStatement(facts: PrivacyFacts, lang: Language): PrivacySection[] {
  return lang === 'de' ? german(facts) : english(facts);
}
