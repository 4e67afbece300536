import type { ServerModule } from '../core/module.ts';
import { adhoc } from './adhoc/index.ts';
import { audit } from './audit/index.ts';
import { admin } from './admin/index.ts';
import { announce } from './announce/index.ts';
import { avatar } from './avatar/index.ts';
import { blocking } from './blocking/index.ts';
import { bookmarks } from './bookmarks/index.ts';
import { carbons } from './carbons/index.ts';
import { component } from './component/index.ts';
import { contactAddresses } from './contact-addresses/index.ts';
import { csi } from './csi/index.ts';
import { disco } from './disco/index.ts';
import { externalServices } from './external-services/index.ts';
import { httpUpload } from './http-upload/index.ts';
import { invites } from './invites/index.ts';
import { mam } from './mam/index.ts';
import { lastActivity } from './last-activity/index.ts';
import { message } from './message/index.ts';
import { muc } from './muc/index.ts';
import { offline } from './offline/index.ts';
import { operators } from './operators/index.ts';
import { pepModule } from './pep/index.ts';
import { ping } from './ping/index.ts';
import { presence } from './presence/index.ts';
import { privateStorage } from './private-storage/index.ts';
import { proxy65 } from './proxy65/index.ts';
import { push } from './push/index.ts';
import { register } from './register/index.ts';
import { reporting } from './reporting/index.ts';
import { roster } from './roster/index.ts';
import { session } from './session/index.ts';
import { streamManagement } from './stream-management/index.ts';
import { suspension } from './suspension/index.ts';
import { time } from './time/index.ts';
import { transfer } from './transfer/index.ts';
import { vcard } from './vcard/index.ts';
import { vcard4 } from './vcard4/index.ts';
import { version } from './version/index.ts';
import { website } from './website/index.ts';

/**
 * The modules a server runs, in the order they are set up (hooks of the
 * same band run in this order; core/loader.ts would pull a module's
 * dependencies in front of it, but the list keeps them in front already).
 * Adding a feature is a folder and a line here.
 */
export const MODULES: ServerModule[] = [
  disco, // XEP-0030, XEP-0115
  adhoc, // XEP-0050 (the frame for commands: muc, admin and federation add theirs)
  operators, // who the operators are (`admins`, the command line) and notices to them
  audit, // the log of what operators did
  muc, // XEP-0045 (+ XEP-0313 rooms, XEP-0421, XEP-0425, XEP-0410); first, so conference.<domain> is the first disco item
  roster, // RFC 6121 §2
  presence, // RFC 6121 §3–4
  message, // RFC 6121 §8.5
  offline, // XEP-0160
  mam, // XEP-0313, XEP-0359, XEP-0441
  carbons, // XEP-0280
  blocking, // XEP-0191
  reporting, // XEP-0377 abuse reports in block commands, and those other servers forward
  csi, // XEP-0352
  lastActivity, // XEP-0012
  register, // XEP-0077
  invites, // XEP-0445 (invitations from `conexizan invite create`)
  website, // the pages at / (landing, rules, privacy, source, XEP-0401 invitation pages) and the web client at /chat/
  admin, // XEP-0133 for the `admins` (on adhoc)
  announce, // XEP-0133 announcements and the message of the day
  suspension, // suspended accounts: sessions end, logins and deliveries refused (XEP-0133 disable-user)
  session, // RFC 3921 session
  streamManagement, // XEP-0198
  push, // XEP-0357
  ping, // XEP-0199
  version, // XEP-0092
  time, // XEP-0202
  vcard, // XEP-0054
  privateStorage, // XEP-0049
  pepModule, // XEP-0163 on XEP-0060
  bookmarks, // XEP-0402, XEP-0411 (on pep)
  avatar, // XEP-0398: XEP-0084 ⇄ XEP-0153 (on pep)
  vcard4, // XEP-0292 (on pep)
  transfer, // XEP-0227 account export and import, XEP-0283 moved (on pep)
  httpUpload, // XEP-0363
  externalServices, // XEP-0215
  contactAddresses, // XEP-0157
  component, // XEP-0114 (external components)
  proxy65, // XEP-0065 (SOCKS5 bytestreams proxy)
];
