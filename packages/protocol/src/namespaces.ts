/** XML namespaces used by an XMPP core server and its common extensions. */
export const NS = {
  // RFC 6120 core
  CLIENT: 'jabber:client',
  SERVER: 'jabber:server',
  STREAM: 'http://etherx.jabber.org/streams',
  STREAMS_ERR: 'urn:ietf:params:xml:ns:xmpp-streams',
  STANZAS_ERR: 'urn:ietf:params:xml:ns:xmpp-stanzas',
  TLS: 'urn:ietf:params:xml:ns:xmpp-tls',
  SASL: 'urn:ietf:params:xml:ns:xmpp-sasl',
  BIND: 'urn:ietf:params:xml:ns:xmpp-bind',
  XML: 'http://www.w3.org/XML/1998/namespace',
  // RFC 3921 legacy session establishment (still announced for old clients)
  SESSION: 'urn:ietf:params:xml:ns:xmpp-session',
  // RFC 7395 XMPP over WebSocket
  FRAMING: 'urn:ietf:params:xml:ns:xmpp-framing',
  // XEP-0124 BOSH and XEP-0206 XMPP over BOSH
  HTTPBIND: 'http://jabber.org/protocol/httpbind',
  XBOSH: 'urn:xmpp:xbosh',
  // RFC 6121 IM
  ROSTER: 'jabber:iq:roster',
  ROSTER_VER: 'urn:xmpp:features:rosterver',
  PRE_APPROVAL: 'urn:xmpp:features:pre-approval',
  // XEP-0077 in-band registration
  REGISTER: 'jabber:iq:register',
  REGISTER_FEATURE: 'http://jabber.org/features/iq-register',
  // XEP-0030 service discovery, XEP-0115 caps, XEP-0128 extended disco
  DISCO_INFO: 'http://jabber.org/protocol/disco#info',
  DISCO_ITEMS: 'http://jabber.org/protocol/disco#items',
  CAPS: 'http://jabber.org/protocol/caps',
  // XEP-0199, XEP-0092, XEP-0202, XEP-0054, XEP-0049, XEP-0203, XEP-0160/XEP-0013
  PING: 'urn:xmpp:ping',
  VERSION: 'jabber:iq:version',
  TIME: 'urn:xmpp:time',
  VCARD: 'vcard-temp',
  VCARD_UPDATE: 'vcard-temp:x:update',
  PRIVATE: 'jabber:iq:private',
  DELAY: 'urn:xmpp:delay',
  OFFLINE: 'msgoffline',
  OFFLINE_RETRIEVAL: 'http://jabber.org/protocol/offline',
  // XEP-0004 data forms, XEP-0122 data form validation
  DATA_FORMS: 'jabber:x:data',
  DATA_FORMS_VALIDATE: 'http://jabber.org/protocol/xdata-validate',
  // XEP-0050 ad-hoc commands, XEP-0133 service administration
  COMMANDS: 'http://jabber.org/protocol/commands',
  ADMIN: 'http://jabber.org/protocol/admin',
  // XEP-0440 SASL channel-binding type capability
  CHANNEL_BINDING: 'urn:xmpp:sasl-cb:0',
  // XEP-0220 server dialback, XEP-0288 bidi, XEP-0368 direct TLS is transport only
  DIALBACK: 'jabber:server:dialback',
  DIALBACK_FEATURE: 'urn:xmpp:features:dialback',
  BIDI: 'urn:xmpp:bidi',
  BIDI_FEATURE: 'urn:xmpp:features:bidi',
  // XEP-0198 stream management
  SM: 'urn:xmpp:sm:3',
  // XEP-0280 carbons (+ Prosody's rules extension), XEP-0297 forwarding, XEP-0313 MAM, XEP-0059 RSM,
  // XEP-0191 blocking, XEP-0357 push (+ the summary form), XEP-0352 client state indication
  CARBONS: 'urn:xmpp:carbons:2',
  CARBONS_RULES: 'urn:xmpp:carbons:rules:0',
  FORWARD: 'urn:xmpp:forward:0',
  MAM: 'urn:xmpp:mam:2',
  MAM_EXTENDED: 'urn:xmpp:mam:2#extended',
  RSM: 'http://jabber.org/protocol/rsm',
  BLOCKING: 'urn:xmpp:blocking',
  BLOCKING_ERRORS: 'urn:xmpp:blocking:errors',
  PUSH: 'urn:xmpp:push:0',
  PUSH_SUMMARY: 'urn:xmpp:push:summary',
  CSI: 'urn:xmpp:csi:0',
  // XEP-0163 PEP / XEP-0060 pubsub
  PUBSUB: 'http://jabber.org/protocol/pubsub',
  PUBSUB_EVENT: 'http://jabber.org/protocol/pubsub#event',
  PUBSUB_OWNER: 'http://jabber.org/protocol/pubsub#owner',
  PUBSUB_ERRORS: 'http://jabber.org/protocol/pubsub#errors',
  PUBSUB_NODE_CONFIG: 'http://jabber.org/protocol/pubsub#node_config',
  PUBSUB_PUBLISH_OPTIONS: 'http://jabber.org/protocol/pubsub#publish-options',
  // XEP-0402 bookmarks, and XEP-0411's conversion from XEP-0048 private-storage bookmarks
  BOOKMARKS: 'urn:xmpp:bookmarks:1',
  BOOKMARKS_CONVERSION: 'urn:xmpp:bookmarks-conversion:0',
  // XEP-0048 bookmarks (private XML storage, or the legacy PEP node)
  BOOKMARKS_LEGACY: 'storage:bookmarks',
  // XEP-0384 v0.3 OMEMO as Conversations, Monal, Gajim, Dino, Converse.js speak it; OMEMO 2 (XEP-0384 ≥ 0.8)
  OMEMO_LEGACY: 'eu.siacs.conversations.axolotl',
  OMEMO: 'urn:xmpp:omemo:2',
  // XEP-0420 stanza content encryption: what OMEMO 2 encrypts
  SCE: 'urn:xmpp:sce:1',
  // XEP-0373 OpenPGP for XMPP, XEP-0027 legacy OpenPGP
  OPENPGP: 'urn:xmpp:openpgp:0',
  PGP_ENCRYPTED: 'jabber:x:encrypted',
  // XEP-0380 explicit message encryption: tells clients without OMEMO why they see no text
  EME: 'urn:xmpp:eme:0',
  // XEP-0353 Jingle message initiation (calls), both versions in use
  JINGLE_MESSAGE: 'urn:xmpp:jingle-message:0',
  JINGLE_MESSAGE_1: 'urn:xmpp:jingle-message:1',
  // XEP-0045 MUC and its sub-namespaces (§19), XEP-0249 direct invitations, XEP-0421 occupant ids,
  // XEP-0425 moderation, XEP-0410 self-ping optimisation
  MUC: 'http://jabber.org/protocol/muc',
  MUC_USER: 'http://jabber.org/protocol/muc#user',
  MUC_ADMIN: 'http://jabber.org/protocol/muc#admin',
  MUC_OWNER: 'http://jabber.org/protocol/muc#owner',
  MUC_ROOMCONFIG: 'http://jabber.org/protocol/muc#roomconfig',
  MUC_ROOMINFO: 'http://jabber.org/protocol/muc#roominfo',
  MUC_REQUEST: 'http://jabber.org/protocol/muc#request',
  MUC_REGISTER: 'http://jabber.org/protocol/muc#register',
  MUC_UNIQUE: 'http://jabber.org/protocol/muc#unique',
  MUC_STABLE_ID: 'http://jabber.org/protocol/muc#stable_id',
  MUC_SELF_PING_OPTIMIZATION: 'http://jabber.org/protocol/muc#self-ping-optimization',
  CONFERENCE: 'jabber:x:conference',
  OCCUPANT_ID: 'urn:xmpp:occupant-id:0',
  MODERATE: 'urn:xmpp:message-moderate:1',
  // XEP-0085 chat states, XEP-0184 receipts, XEP-0333 markers
  CHATSTATES: 'http://jabber.org/protocol/chatstates',
  RECEIPTS: 'urn:xmpp:receipts',
  CHAT_MARKERS: 'urn:xmpp:chat-markers:0',
  // XEP-0359 stable stanza ids, XEP-0334 hints, XEP-0066 OOB, XEP-0363 HTTP upload
  SID: 'urn:xmpp:sid:0',
  HINTS: 'urn:xmpp:hints',
  OOB: 'jabber:x:oob',
  HTTP_UPLOAD: 'urn:xmpp:http:upload:0',
  // XEP-0308 correction, XEP-0424 retraction, XEP-0444 reactions, XEP-0461 replies, XEP-0428 fallback,
  // XEP-0172 nicknames, XEP-0084 avatars (client-side message features)
  CORRECTION: 'urn:xmpp:message-correct:0',
  RETRACT: 'urn:xmpp:message-retract:1',
  REACTIONS: 'urn:xmpp:reactions:0',
  REPLY: 'urn:xmpp:reply:0',
  FALLBACK: 'urn:xmpp:fallback:0',
  NICK: 'http://jabber.org/protocol/nick',
  AVATAR_METADATA: 'urn:xmpp:avatar:metadata',
  AVATAR_DATA: 'urn:xmpp:avatar:data',
  // XEP-0398 avatar conversion between vCard and PEP; XEP-0292 vCard4 over PEP (element namespace, PEP node)
  PEP_VCARD_CONVERSION: 'urn:xmpp:pep-vcard-conversion:0',
  VCARD4: 'urn:ietf:params:xml:ns:vcard-4.0',
  VCARD4_NODE: 'urn:xmpp:vcard4',
  // XEP-0401 / XEP-0379 invitations (pre-authenticated roster subscription), XEP-0445 registration tokens
  PARS: 'urn:xmpp:pars:0',
  IBR_TOKEN: 'urn:xmpp:ibr-token:0',
  INVITE_LEGACY: 'urn:xmpp:invite',
  // XEP-0377 abuse reports (0 is what slixmpp 1.8 and older clients send), XEP-0283 moved,
  // XEP-0227 portable import/export (with its SCRAM and MAM parts)
  REPORTING: 'urn:xmpp:reporting:1',
  REPORTING_0: 'urn:xmpp:reporting:0',
  JID: 'urn:xmpp:jid:0',
  MOVED: 'urn:xmpp:moved:1',
  PIE: 'urn:xmpp:pie:0',
  PIE_SCRAM: 'urn:xmpp:pie:0#scram',
  PIE_MAM: 'urn:xmpp:pie:0#mam',
  // XEP-0012 last activity, XEP-0157 contact addresses, XEP-0215 external services
  LAST: 'jabber:iq:last',
  SERVER_INFO: 'http://jabber.org/network/serverinfo',
  EXTDISCO: 'urn:xmpp:extdisco:2',
  // XEP-0388 SASL2, XEP-0386 Bind2
  SASL2: 'urn:xmpp:sasl:2',
  BIND2: 'urn:xmpp:bind:0',
  // XEP-0156 alternative connection methods: the link relations in host-meta
  ALT_WEBSOCKET: 'urn:xmpp:alt-connections:websocket',
  ALT_XBOSH: 'urn:xmpp:alt-connections:xbosh',
  // XEP-0114 components
  COMPONENT_ACCEPT: 'jabber:component:accept',
  // XEP-0065 SOCKS5 bytestreams
  BYTESTREAMS: 'http://jabber.org/protocol/bytestreams',
} as const;

export type Namespace = (typeof NS)[keyof typeof NS];
