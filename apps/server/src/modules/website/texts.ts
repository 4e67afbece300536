import type { RegistrationRefusal } from '../register/api.ts';
import type { Language } from './language.ts';

/** What the website says, in each language. The privacy statement is in privacy.ts. */
export interface SiteTexts {
  languageName: string;
  languageSwitch: string;
  skipToContent: string;
  tagline: string;
  facts: string[];
  register: string;
  registerByInvitation: string;
  registrationClosed: string;
  openWebChat: string;
  onThisPage: string;
  appsTitle: string;
  appsIntro: string;
  appsScan: (domain: string) => string;
  appsRegisterLink: string;
  qrLabel: (uri: string) => string;
  webChatApp: string;
  rulesTitle: string;
  rulesReport: string;
  privacyTitle: string;
  sourceTitle: string;
  sourceText: string;
  sourceLink: string;
  runningVersion: (version: string) => string;
  platforms: Record<'android' | 'ios' | 'desktop' | 'browser', string>;
  invite: {
    title: (name: string) => string;
    intro: (domain: string) => string;
    validUntil: (date: string) => string;
    inBrowserTitle: string;
    inBrowser: string;
    inBrowserHint: string;
    withAppTitle: string;
    withAppSteps: string[];
    openInApp: string;
    scan: string;
    acceptRules: string;
    invalidTitle: string;
    invalid: string;
  };
  https: {
    title: string;
    explanation: string;
    ask: string;
    apps: string;
  };
  /** the form for registering without JavaScript (register-form.ts) */
  form: {
    noScript: string;
    noScriptLink: string;
    title: (name: string) => string;
    intro: string;
    username: string;
    usernameHint: (domain: string) => string;
    password: string;
    passwordHint: (min: number) => string;
    repeat: string;
    acceptRulesBefore: string;
    acceptRulesLink: string;
    acceptRulesAfter: string;
    submit: string;
    howItWorks: string;
    inTheWebChat: string;
    errorTitle: string;
    https: string;
    expired: string;
    rulesNeeded: string;
    mismatch: string;
    refusals: Record<RegistrationRefusal, (min: number) => string>;
    doneTitle: string;
    done: (address: string) => string;
    doneKeep: string;
    doneNext: string;
  };
  notFound: string;
  backHome: string;
}

const EN: SiteTexts = {
  languageName: 'English',
  languageSwitch: 'Language',
  skipToContent: 'Skip to content',
  tagline: 'Private chat for everyone who won’t hand their friends, their groups and their conversations to a corporation.',
  facts: [
    'You need a username and a good password. No phone number, no e-mail address, no real name.',
    'Messages are end-to-end encrypted on your device: the server never has the keys.',
    'Use the apps you already know on your phone and computer, or chat right here in the browser.',
    'Talk to people on any other XMPP server, the way e-mail works between providers.',
  ],
  register: 'Register',
  registerByInvitation: 'New accounts on this server need an invitation. Ask someone who uses it for an invitation link.',
  registrationClosed: 'This server does not take new accounts at the moment.',
  openWebChat: 'Open the web chat',
  onThisPage: 'On this page',
  appsTitle: 'Apps',
  appsIntro: 'Any XMPP app works with your account. These are the ones we recommend:',
  appsScan: (domain) => `With one of these apps installed, scan this code or open the link to create an account on ${domain}.`,
  appsRegisterLink: 'Create an account in the app',
  qrLabel: (uri) => `QR code for ${uri}`,
  webChatApp: 'In any browser, on this website.',
  rulesTitle: 'Rules',
  rulesReport: 'Report accounts, groups or servers that break these rules to:',
  privacyTitle: 'Privacy',
  sourceTitle: 'Source code',
  sourceText: 'This service runs Conexizan, free software under the GNU Affero General Public License (AGPL). You are entitled to the source code of the version running here.',
  sourceLink: 'Source code of this version',
  runningVersion: (version) => `Running version: ${version}`,
  platforms: { android: 'Android', ios: 'iPhone and iPad', desktop: 'Computer', browser: 'Browser' },
  invite: {
    title: (name) => `You are invited to ${name}`,
    intro: (domain) => `Someone invited you to create an account on ${domain}, a private chat service. You only need a username and a good password: no phone number, no e-mail address.`,
    validUntil: (date) => `This invitation makes one account and is valid until ${date}.`,
    inBrowserTitle: 'In this browser',
    inBrowser: 'Create your account in the browser',
    inBrowserHint: 'Works on this device right away; you can add apps later.',
    withAppTitle: 'With an app',
    withAppSteps: ['Install one of the apps below.', 'Then open the invitation in the app, or scan the code with it.'],
    openInApp: 'Open the invitation in the app',
    scan: 'Scan this with the app on your phone:',
    acceptRules: 'By creating an account you accept the rules of this service.',
    invalidTitle: 'This invitation cannot be used',
    invalid: 'It was used already, it expired, or the link is incomplete. Ask the person who invited you for a new one.',
  },
  https: {
    title: 'This page needs a secure connection',
    explanation: 'You opened the web chat over plain http. Browsers only give a page the cryptography that secure login and end-to-end encryption need when it comes over https, so the chat cannot work here, and anyone on the network could read along.',
    ask: 'Ask the people who run this service to set up https for it.',
    apps: 'Until then, use one of the apps: they always connect with encryption.',
  },
  form: {
    noScript: 'JavaScript is off in this browser, so the web chat cannot run here.',
    noScriptLink: 'Create your account with a simple form instead',
    title: (name) => `Create an account on ${name}`,
    intro: 'You need a username and a good password, nothing else. Nobody can reset a forgotten password (there is no e-mail address to send it to), so keep it somewhere safe, for example in a password manager.',
    username: 'Username',
    usernameHint: (domain) => `Your address will be username@${domain}.`,
    password: 'Password',
    passwordHint: (min) => `At least ${min} characters. A few unrelated words make a strong and memorable password.`,
    repeat: 'Repeat the password',
    acceptRulesBefore: 'I accept ',
    acceptRulesLink: 'the rules',
    acceptRulesAfter: ' of this service',
    submit: 'Create account',
    howItWorks: 'This form works without JavaScript. Your password travels encrypted (https), as it does when an app registers, and the server never stores or logs it: it keeps only keys derived from it.',
    inTheWebChat: 'With JavaScript you can also create the account in the web chat, which logs you in right away.',
    errorTitle: 'The account was not created',
    https: 'This form only works over a secure connection (https): otherwise your password would cross the network readable by others. Open this page with https://, or register in one of the apps.',
    expired: 'This form is too old, or it did not come from this website. It was filled in again for you: send it once more.',
    rulesNeeded: 'To register, accept the rules of this service.',
    mismatch: 'The two passwords are not the same.',
    refusals: {
      'closed': () => 'This server does not take new accounts at the moment.',
      'invitation-needed': () => 'New accounts on this server need an invitation. Open the invitation link you were given.',
      'invitation-invalid': () => 'This invitation cannot be used: it was used already, or it expired. Ask for a new one.',
      'missing': () => 'Enter a username and a password.',
      'reserved-name': () => 'This name is kept for the people who run the service. Choose another one.',
      'rate-limited': () => 'Too many accounts were created from your address. Try again in an hour.',
      'invalid-username': () => 'This username cannot be used. Use letters and digits of one alphabet, without spaces or @.',
      'weak-password': (min) => `The server did not accept this password. Choose one of at least ${min} characters, not one character repeated.`,
      'exists': () => 'This username is taken. Choose another one.',
      'reserved': () => 'This username belonged to an account that was deleted recently, and cannot be taken yet. Choose another one.',
    },
    doneTitle: 'Your account is ready',
    done: (address) => `Your address is ${address}. Log in with it and your password in the web chat or in any of the apps below.`,
    doneKeep: 'Nobody can reset a forgotten password: keep it safe.',
    doneNext: 'Log in',
  },
  notFound: 'There is no page at this address.',
  backHome: 'To the start page',
};

const DE: SiteTexts = {
  languageName: 'Deutsch',
  languageSwitch: 'Sprache',
  skipToContent: 'Zum Inhalt springen',
  tagline: 'Vertraulicher Chat für alle, die ihre Freund*innen, ihre Gruppen und ihre Gespräche keinem Konzern überlassen wollen.',
  facts: [
    'Du brauchst einen Benutzernamen und ein gutes Passwort. Keine Telefonnummer, keine E-Mail-Adresse, keinen echten Namen.',
    'Nachrichten werden auf deinem Gerät Ende-zu-Ende-verschlüsselt: Der Server hat die Schlüssel nie.',
    'Nutze die Apps, die du kennst, auf Telefon und Computer, oder chatte gleich hier im Browser.',
    'Schreibe mit Menschen auf jedem anderen XMPP-Server, so wie E-Mail zwischen Anbietern funktioniert.',
  ],
  register: 'Registrieren',
  registerByInvitation: 'Neue Konten auf diesem Server brauchen eine Einladung. Frag jemanden, der ihn nutzt, nach einem Einladungslink.',
  registrationClosed: 'Dieser Server nimmt zurzeit keine neuen Konten an.',
  openWebChat: 'Web-Chat öffnen',
  onThisPage: 'Auf dieser Seite',
  appsTitle: 'Apps',
  appsIntro: 'Jede XMPP-App funktioniert mit deinem Konto. Diese empfehlen wir:',
  appsScan: (domain) => `Wenn eine dieser Apps installiert ist, scanne diesen Code oder öffne den Link, um ein Konto auf ${domain} zu erstellen.`,
  appsRegisterLink: 'Konto in der App erstellen',
  qrLabel: (uri) => `QR-Code für ${uri}`,
  webChatApp: 'In jedem Browser, auf dieser Website.',
  rulesTitle: 'Regeln',
  rulesReport: 'Konten, Gruppen oder Server, die gegen diese Regeln verstoßen, meldest du hier:',
  privacyTitle: 'Datenschutz',
  sourceTitle: 'Quellcode',
  sourceText: 'Dieser Dienst läuft mit Conexizan, freier Software unter der GNU Affero General Public License (AGPL). Du hast ein Recht auf den Quellcode der Version, die hier läuft.',
  sourceLink: 'Quellcode dieser Version',
  runningVersion: (version) => `Laufende Version: ${version}`,
  platforms: { android: 'Android', ios: 'iPhone und iPad', desktop: 'Computer', browser: 'Browser' },
  invite: {
    title: (name) => `Du bist zu ${name} eingeladen`,
    intro: (domain) => `Jemand hat dich eingeladen, ein Konto auf ${domain} zu erstellen, einem vertraulichen Chat-Dienst. Du brauchst nur einen Benutzernamen und ein gutes Passwort: keine Telefonnummer, keine E-Mail-Adresse.`,
    validUntil: (date) => `Mit dieser Einladung lässt sich ein Konto erstellen; sie gilt bis ${date}.`,
    inBrowserTitle: 'In diesem Browser',
    inBrowser: 'Konto im Browser erstellen',
    inBrowserHint: 'Funktioniert sofort auf diesem Gerät; Apps kannst du später dazunehmen.',
    withAppTitle: 'Mit einer App',
    withAppSteps: ['Installiere eine der Apps unten.', 'Öffne dann die Einladung in der App oder scanne den Code mit ihr.'],
    openInApp: 'Einladung in der App öffnen',
    scan: 'Scanne das mit der App auf deinem Telefon:',
    acceptRules: 'Wenn du ein Konto erstellst, erkennst du die Regeln dieses Dienstes an.',
    invalidTitle: 'Diese Einladung ist nicht gültig',
    invalid: 'Sie wurde schon benutzt, ist abgelaufen, oder der Link ist unvollständig. Bitte die Person, die dich eingeladen hat, um eine neue.',
  },
  https: {
    title: 'Diese Seite braucht eine sichere Verbindung',
    explanation: 'Du hast den Web-Chat über unverschlüsseltes http geöffnet. Browser geben einer Seite die Kryptographie, die eine sichere Anmeldung und Ende-zu-Ende-Verschlüsselung brauchen, nur über https. Deshalb kann der Chat hier nicht funktionieren, und alle im Netz könnten mitlesen.',
    ask: 'Bitte die Betreiber*innen dieses Dienstes, https dafür einzurichten.',
    apps: 'Bis dahin nutze eine der Apps: Sie verbinden sich immer verschlüsselt.',
  },
  form: {
    noScript: 'In diesem Browser ist JavaScript ausgeschaltet, deshalb kann der Web-Chat hier nicht laufen.',
    noScriptLink: 'Erstelle dein Konto stattdessen mit einem einfachen Formular',
    title: (name) => `Ein Konto auf ${name} erstellen`,
    intro: 'Du brauchst einen Benutzernamen und ein gutes Passwort, sonst nichts. Ein vergessenes Passwort kann niemand zurücksetzen (es gibt keine E-Mail-Adresse, an die es gehen könnte). Bewahre es also sicher auf, zum Beispiel in einem Passwortmanager.',
    username: 'Benutzername',
    usernameHint: (domain) => `Deine Adresse wird benutzername@${domain}.`,
    password: 'Passwort',
    passwordHint: (min) => `Mindestens ${min} Zeichen. Ein paar Wörter, die nichts miteinander zu tun haben, ergeben ein starkes Passwort, das man sich merken kann.`,
    repeat: 'Passwort wiederholen',
    acceptRulesBefore: 'Ich erkenne ',
    acceptRulesLink: 'die Regeln',
    acceptRulesAfter: ' dieses Dienstes an',
    submit: 'Konto erstellen',
    howItWorks: 'Dieses Formular funktioniert ohne JavaScript. Dein Passwort geht verschlüsselt (https) an den Server, so wie bei der Registrierung in einer App, und der Server speichert oder protokolliert es nie: Er behält nur daraus abgeleitete Schlüssel.',
    inTheWebChat: 'Mit JavaScript kannst du das Konto auch im Web-Chat erstellen; dort bist du dann gleich angemeldet.',
    errorTitle: 'Das Konto wurde nicht erstellt',
    https: 'Dieses Formular funktioniert nur über eine sichere Verbindung (https): Sonst ginge dein Passwort lesbar durchs Netz. Öffne diese Seite mit https:// oder registriere dich in einer der Apps.',
    expired: 'Dieses Formular ist zu alt oder kam nicht von dieser Website. Es wurde für dich neu ausgefüllt: Schick es noch einmal ab.',
    rulesNeeded: 'Um dich zu registrieren, erkenne die Regeln dieses Dienstes an.',
    mismatch: 'Die beiden Passwörter sind verschieden.',
    refusals: {
      'closed': () => 'Dieser Server nimmt zurzeit keine neuen Konten an.',
      'invitation-needed': () => 'Neue Konten auf diesem Server brauchen eine Einladung. Öffne den Einladungslink, den du bekommen hast.',
      'invitation-invalid': () => 'Diese Einladung ist nicht gültig: Sie wurde schon benutzt oder ist abgelaufen. Bitte um eine neue.',
      'missing': () => 'Gib einen Benutzernamen und ein Passwort ein.',
      'reserved-name': () => 'Dieser Name ist für die Betreiber*innen des Dienstes reserviert. Wähle einen anderen.',
      'rate-limited': () => 'Von deiner Adresse wurden zu viele Konten erstellt. Versuche es in einer Stunde noch einmal.',
      'invalid-username': () => 'Dieser Benutzername geht nicht. Nimm Buchstaben und Ziffern aus einem Alphabet, ohne Leerzeichen und ohne @.',
      'weak-password': (min) => `Der Server hat dieses Passwort nicht angenommen. Wähle eines mit mindestens ${min} Zeichen, das nicht nur ein Zeichen wiederholt.`,
      'exists': () => 'Dieser Benutzername ist vergeben. Wähle einen anderen.',
      'reserved': () => 'Dieser Benutzername gehörte zu einem Konto, das vor Kurzem gelöscht wurde, und ist noch nicht wieder frei. Wähle einen anderen.',
    },
    doneTitle: 'Dein Konto ist bereit',
    done: (address) => `Deine Adresse ist ${address}. Melde dich damit und mit deinem Passwort im Web-Chat oder in einer der Apps unten an.`,
    doneKeep: 'Ein vergessenes Passwort kann niemand zurücksetzen: Bewahre es sicher auf.',
    doneNext: 'Anmelden',
  },
  notFound: 'Unter dieser Adresse gibt es keine Seite.',
  backHome: 'Zur Startseite',
};

export const TEXTS: Record<Language, SiteTexts> = { en: EN, de: DE };

/** A date as people in that language write it, e.g. 5 May 2026 / 5. Mai 2026. */
export function formatDate(date: Date, lang: Language): string {
  return new Intl.DateTimeFormat(lang === 'de' ? 'de-DE' : 'en-GB', { day: 'numeric', month: 'long', year: 'numeric', timeZone: 'UTC' }).format(date);
}
