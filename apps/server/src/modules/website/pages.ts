import { RECOMMENDED_APPS, type Platform } from './apps.ts';
import { html, type Html } from './html.ts';
import { LANGUAGES, type Language } from './language.ts';
import type { PrivacySection } from './privacy.ts';
import { formatDate, TEXTS, type SiteTexts } from './texts.ts';

/**
 * The website's pages as HTML that works without JavaScript: the landing
 * page (what the service is, apps, rules, privacy, source), an invitation
 * page, and the explanations shown instead of the web client where it
 * cannot work. Everything the pages need comes from this server.
 */
export interface SiteFacts {
  name: string;
  domain: string;
  registration: 'open' | 'invite' | 'closed';
  version: string;
  sourceUrl: string;
  /** XEP-0157 abuse addresses, for reports */
  abuse: string[];
}

interface PageFrame {
  lang: Language;
  /** whether the language came from ?lang= (then links pass it on) */
  chosen: boolean;
  /** this page's path, for the language switch */
  path: string;
  title: string;
  /** keep the address (an invitation token) out of Referer headers to the app links */
  noReferrer?: boolean;
  /** more of the query (`&name=value`, encoded) the language switch keeps, e.g. the form's invitation */
  keepQuery?: string;
}

/** A link within the site that keeps an explicitly chosen language. */
export function siteLink(path: string, frame: { lang: Language; chosen: boolean }, hash = ''): string {
  return `${path}${frame.chosen ? `?lang=${frame.lang}` : ''}${hash}`;
}

function layout(frame: PageFrame, site: SiteFacts, main: Html): string {
  const t = TEXTS[frame.lang];
  const switcher = LANGUAGES.map((lang) => {
    const name = TEXTS[lang].languageName;
    return lang === frame.lang
      ? html`<li><a href="${`${frame.path}?lang=${lang}${frame.keepQuery ?? ''}`}" lang="${lang}" hreflang="${lang}" aria-current="page">${name}</a></li>`
      : html`<li><a href="${`${frame.path}?lang=${lang}${frame.keepQuery ?? ''}`}" lang="${lang}" hreflang="${lang}">${name}</a></li>`;
  });
  return `<!doctype html>\n${html`<html lang="${frame.lang}">
<head>
<meta charset="utf-8">
<meta name="viewport" content="width=device-width, initial-scale=1">
${frame.noReferrer ? html`<meta name="referrer" content="no-referrer">` : ''}
<title>${frame.title}</title>
<link rel="stylesheet" href="/site/site.css">
<link rel="icon" href="/icon.svg" type="image/svg+xml">
</head>
<body>
<a class="skip" href="#main">${t.skipToContent}</a>
<header class="site-header">
<a class="brand" href="${siteLink('/', frame)}">${site.name}</a>
<nav aria-label="${t.languageSwitch}"><ul class="languages">${switcher}</ul></nav>
</header>
<main id="main">
${main}
</main>
<footer class="site-footer">
<p><a href="${siteLink('/', frame, '#rules')}">${t.rulesTitle}</a> · <a href="${siteLink('/', frame, '#privacy')}">${t.privacyTitle}</a> · <a href="${site.sourceUrl}">${t.sourceLink}</a> · ${t.runningVersion(site.version)}</p>
</footer>
</body>
</html>`}\n`;
}

function appList(t: SiteTexts, lang: Language, webChat: string): Html {
  const platforms: Platform[] = ['android', 'ios', 'desktop'];
  return html`<div class="platforms">
${platforms.map((platform) => html`<section class="platform" aria-labelledby="platform-${platform}">
<h3 id="platform-${platform}">${t.platforms[platform]}</h3>
<ul>${RECOMMENDED_APPS[platform].map((app) => html`<li><a href="${app.url}" rel="noreferrer">${app.name}</a>: ${app.about[lang]}</li>`)}</ul>
</section>`)}
<section class="platform" aria-labelledby="platform-browser">
<h3 id="platform-browser">${t.platforms.browser}</h3>
<ul><li><a href="${webChat}">${t.openWebChat}</a>: ${t.webChatApp}</li></ul>
</section>
</div>`;
}

export interface LandingContent {
  rules: Html;
  privacy: PrivacySection[];
  /** the QR code of xmpp:DOMAIN?register, when anyone may register */
  registerQr: Html | null;
}

export function landingPage(frame: Omit<PageFrame, 'title' | 'path'>, site: SiteFacts, content: LandingContent): string {
  const t = TEXTS[frame.lang];
  const full = { ...frame, path: '/', title: `${site.name}: ${t.tagline}` };
  const webChat = siteLink('/chat/', frame);
  const registerUri = `xmpp:${site.domain}?register`;
  const registration = {
    open: html`<a class="button" href="${siteLink('/chat/', frame, '#register')}">${t.register}</a>`,
    invite: html`<p class="note">${t.registerByInvitation}</p>`,
    closed: html`<p class="note">${t.registrationClosed}</p>`,
  }[site.registration];
  const main = html`<section class="hero" aria-labelledby="title">
<h1 id="title">${site.name}</h1>
<p class="lead">${t.tagline}</p>
<ul class="facts">${t.facts.map((fact) => html`<li>${fact}</li>`)}</ul>
<div class="actions">${registration}<a class="button secondary" href="${webChat}">${t.openWebChat}</a></div>
${site.registration === 'open' ? html`<noscript><p class="note">${t.form.noScript} <a href="${siteLink('/register', frame)}">${t.form.noScriptLink}</a></p></noscript>` : ''}
</section>
<nav class="toc" aria-label="${t.onThisPage}"><ul>
<li><a href="#apps">${t.appsTitle}</a></li><li><a href="#rules">${t.rulesTitle}</a></li><li><a href="#privacy">${t.privacyTitle}</a></li><li><a href="#source">${t.sourceTitle}</a></li>
</ul></nav>
<section id="apps" aria-labelledby="apps-title">
<h2 id="apps-title">${t.appsTitle}</h2>
<p>${t.appsIntro}</p>
${appList(t, frame.lang, webChat)}
${content.registerQr ? html`<div class="qr-box"><p>${t.appsScan(site.domain)}</p>${content.registerQr}<p><a href="${registerUri}">${t.appsRegisterLink}</a> (<code>${registerUri}</code>)</p></div>` : ''}
</section>
<section id="rules" aria-labelledby="rules-title">
<h2 id="rules-title">${t.rulesTitle}</h2>
<div class="text">${content.rules}</div>
${site.abuse.length ? html`<p>${t.rulesReport} ${site.abuse.map((uri, i) => html`${i ? ', ' : ''}<a href="${uri}">${uri.replace(/^(mailto|xmpp):/, '')}</a>`)}</p>` : ''}
</section>
<section id="privacy" aria-labelledby="privacy-title">
<h2 id="privacy-title">${t.privacyTitle}</h2>
${content.privacy.map((section) => html`<h3>${section.title}</h3>${section.paragraphs.map((p) => html`<p>${p}</p>`)}`)}
</section>
<section id="source" aria-labelledby="source-title">
<h2 id="source-title">${t.sourceTitle}</h2>
<p>${t.sourceText}</p>
<p><a href="${site.sourceUrl}">${t.sourceLink}</a> (${t.runningVersion(site.version)})</p>
</section>`;
  return layout(full, site, main);
}

export interface Invitation {
  token: string;
  expiresAt: Date;
  qr: Html;
}

export function invitePage(frame: Omit<PageFrame, 'title' | 'path'>, site: SiteFacts, invitation: Invitation | null, path: string): string {
  const t = TEXTS[frame.lang];
  if (!invitation) {
    const main = html`<h1>${t.invite.invalidTitle}</h1><p>${t.invite.invalid}</p><p><a href="${siteLink('/', frame)}">${t.backHome}</a></p>`;
    return layout({ ...frame, path, title: t.invite.invalidTitle, noReferrer: true }, site, main);
  }
  const uri = `xmpp:${site.domain}?register;preauth=${invitation.token}`;
  // The token travels in the fragment: browsers never send it to any server.
  const inBrowser = `${siteLink('/chat/', frame)}#invite=${encodeURIComponent(invitation.token)}`;
  const main = html`<h1>${t.invite.title(site.name)}</h1>
<p class="lead">${t.invite.intro(site.domain)}</p>
<p>${t.invite.validUntil(formatDate(invitation.expiresAt, frame.lang))}</p>
<section aria-labelledby="in-browser">
<h2 id="in-browser">${t.invite.inBrowserTitle}</h2>
<p><a class="button" href="${inBrowser}">${t.invite.inBrowser}</a></p>
<p class="note">${t.invite.inBrowserHint}</p>
<noscript><p class="note">${t.form.noScript} <a href="${`${siteLink('/register', frame)}${frame.chosen ? '&' : '?'}invitation=${encodeURIComponent(invitation.token)}`}">${t.form.noScriptLink}</a></p></noscript>
</section>
<section aria-labelledby="with-app">
<h2 id="with-app">${t.invite.withAppTitle}</h2>
<ol>${t.invite.withAppSteps.map((step) => html`<li>${step}</li>`)}</ol>
<p><a class="button secondary" href="${uri}">${t.invite.openInApp}</a></p>
<div class="qr-box"><p>${t.invite.scan}</p>${invitation.qr}</div>
${appList(t, frame.lang, inBrowser)}
</section>
<p>${t.invite.acceptRules} <a href="${siteLink('/', frame, '#rules')}">${t.rulesTitle}</a></p>`;
  return layout({ ...frame, path, title: t.invite.title(site.name), noReferrer: true }, site, main);
}

/** Shown at /chat/ over plain http on a non-local address when the server has no https listener to send people to. */
export function needsHttpsPage(frame: Omit<PageFrame, 'title' | 'path'>, site: SiteFacts): string {
  const t = TEXTS[frame.lang];
  const main = html`<h1>${t.https.title}</h1><p>${t.https.explanation}</p><p>${t.https.ask}</p><p>${t.https.apps}</p>
<p><a href="${siteLink('/', frame, '#apps')}">${t.appsTitle}</a></p>`;
  return layout({ ...frame, path: '/chat/', title: t.https.title }, site, main);
}

export function notFoundPage(frame: Omit<PageFrame, 'title' | 'path'>, site: SiteFacts, path: string): string {
  const t = TEXTS[frame.lang];
  return layout({ ...frame, path, title: t.notFound }, site, html`<h1>${t.notFound}</h1><p><a href="${siteLink('/', frame)}">${t.backHome}</a></p>`);
}

export interface RegisterForm {
  /** the form's token (register-form.ts) */
  token: string;
  /** an invitation's token the form registers with */
  invitation: string | null;
  /** what was typed, shown again after a refusal (never the password) */
  username: string;
  minPasswordLength: number;
  /** why the last try was refused */
  error: string | null;
}

/**
 * The registration form for browsers without JavaScript (a plain HTML form
 * posted over https), or, where there can be none (closed, no invitation,
 * plain http), `form` is the sentence that says why.
 */
export function registerPage(frame: Omit<PageFrame, 'title' | 'path'>, site: SiteFacts, form: RegisterForm | string): string {
  const t = TEXTS[frame.lang];
  const f = t.form;
  const title = f.title(site.name);
  // Not no-referrer: browsers then send "Origin: null" with the post, which the form refuses (register-form.ts).
  const invitation = typeof form === 'string' ? null : form.invitation;
  const full = { ...frame, path: '/register', title, keepQuery: invitation ? `&invitation=${encodeURIComponent(invitation)}` : undefined };
  if (typeof form === 'string') {
    const main = html`<h1>${title}</h1><p role="alert">${form}</p><p><a href="${siteLink('/', frame, '#apps')}">${t.appsTitle}</a> · <a href="${siteLink('/', frame)}">${t.backHome}</a></p>`;
    return layout(full, site, main);
  }
  const main = html`<h1>${title}</h1>
<p class="lead">${f.intro}</p>
${form.error ? html`<div class="error" role="alert"><h2>${f.errorTitle}</h2><p>${form.error}</p></div>` : ''}
<form class="register" method="post" action="${siteLink('/register', frame)}">
<input type="hidden" name="form" value="${form.token}">
${form.invitation ? html`<input type="hidden" name="invitation" value="${form.invitation}">` : ''}
<p class="field"><label for="username">${f.username}</label>
<input id="username" name="username" autocomplete="username" autocapitalize="none" spellcheck="false" required maxlength="1023" value="${form.username}" aria-describedby="username-hint">
<small id="username-hint">${f.usernameHint(site.domain)}</small></p>
<p class="field"><label for="password">${f.password}</label>
<input id="password" name="password" type="password" autocomplete="new-password" required minlength="${form.minPasswordLength}" maxlength="1023" aria-describedby="password-hint">
<small id="password-hint">${f.passwordHint(form.minPasswordLength)}</small></p>
<p class="field"><label for="password2">${f.repeat}</label>
<input id="password2" name="password2" type="password" autocomplete="new-password" required maxlength="1023"></p>
<p class="check"><label><input type="checkbox" name="rules" value="yes" required> ${f.acceptRulesBefore}<a href="${siteLink('/', frame, '#rules')}" target="_blank" rel="noopener">${f.acceptRulesLink}</a>${f.acceptRulesAfter}</label></p>
<p><button class="button" type="submit">${f.submit}</button></p>
</form>
<p class="note">${f.howItWorks}</p>
<p class="note">${f.inTheWebChat} <a href="${siteLink('/chat/', frame, form.invitation ? `#invite=${encodeURIComponent(form.invitation)}` : '#register')}">${t.openWebChat}</a></p>`;
  return layout(full, site, main);
}

/** After the form made the account: its address and where to log in. */
export function registeredPage(frame: Omit<PageFrame, 'title' | 'path'>, site: SiteFacts, address: string): string {
  const t = TEXTS[frame.lang];
  const main = html`<h1>${t.form.doneTitle}</h1>
<p class="lead" role="status">${t.form.done(address)}</p>
<p>${t.form.doneKeep}</p>
<p><a class="button" href="${siteLink('/chat/', frame)}">${t.openWebChat}</a></p>
<section aria-labelledby="apps-title"><h2 id="apps-title">${t.appsTitle}</h2>
<p>${t.appsIntro}</p>
${appList(t, frame.lang, siteLink('/chat/', frame))}
</section>`;
  return layout({ ...frame, path: '/register', title: t.form.doneTitle }, site, main);
}
