import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startTestServer, type TestServer } from '../support/test-server.ts';
import { runTsung, type TsungRun } from '../support/tsung.ts';

/**
 * tsung 1.7 (Debian), the XMPP load generator, in a small bounded run: 20
 * users arrive within a few seconds, each on STARTTLS, logs in with PLAIN,
 * binds, opens a session, says hello and sends three chat messages to
 * users tsung knows to be online, then leaves; the run stops by itself.
 *
 * Every step waits with ack="local": tsung takes the first packet that
 * arrives as the answer. If the stream header and its features come as two
 * packets, tsung answers the header alone, and its stream restart lands
 * right behind <auth/>, before the outcome; the server used to parse it as
 * part of the old stream and end it with restricted-xml. The same scenario
 * logs in to Prosody and ejabberd every time.
 */
const USERS = 20;
const MESSAGES = 3;
const PASSWORD_PREFIX = 'tsungLoadTestPassword';

let server: TestServer;
let run: TsungRun;

beforeAll(async () => {
  server = await startTestServer();
  for (let id = 1; id <= USERS; id++) await server.core.accounts.create(`tsung${id}`, `${PASSWORD_PREFIX}${id}`);
  run = await runTsung(scenario(server.ports.c2s), 60_000);
}, 90_000);

afterAll(async () => {
  await server?.stop();
});

describe('tsung 1.7', () => {
  it('ends by itself, every user through its session, without errors', () => {
    expect(run.timedOut, run.output).toBe(false);
    expect(run.totals.get('users_count')).toBe(USERS);
    expect(run.totals.get('finish_users_count')).toBe(USERS);
    expect(run.totals.get('xmpp_starttls')).toBe(USERS);
    expect(run.totals.get('tr_authenticate')).toBe(USERS);
    expect(run.totals.get('tr_message')).toBe(USERS * MESSAGES);
    expect([...run.totals.keys()].filter((name) => name.startsWith('error'))).toEqual([]);
  });

  it('logs in every session: each gets <success/> and its bound JID, and no stream error', () => {
    const sessions = new Map<string, string>();
    for (const [, pid, data] of run.dump.matchAll(/^Recv:[\d.]+:(<[\d.]+>):(.*)$/gm)) sessions.set(pid!, (sessions.get(pid!) ?? '') + data!);
    expect(sessions.size).toBe(USERS);
    const bound = new Set<string>();
    for (const [pid, received] of sessions) {
      expect(received, pid).toContain('<success xmlns="urn:ietf:params:xml:ns:xmpp-sasl"/>');
      const jid = /<jid>(tsung\d+)@localhost\/[^<]+<\/jid>/.exec(received);
      expect(jid, `${pid} bound a resource`).not.toBeNull();
      bound.add(jid![1]!);
      expect(received, pid).not.toContain('stream:error');
      expect(received, pid).not.toContain('restricted-xml');
    }
    expect(bound.size).toBe(USERS);
  });

  it("delivers its messages: each reached a tsung user, or waits in the recipient's offline storage", async () => {
    const sent = [...run.dump.matchAll(/^Send:[^:]+:[^:]+:<message [^>]*type='chat'>/gm)].length;
    expect(sent).toBe(USERS * MESSAGES);
    const receivedData = [...run.dump.matchAll(/^Recv:[^:]+:[^:]+:(.*)$/gm)].map((match) => match[1]).join('\n');
    const received = [...receivedData.matchAll(/<message [^>]*type="chat"/g)].length;
    let offline = 0;
    for (let id = 1; id <= USERS; id++) offline += await server.core.storage.offline.count(`tsung${id}`);
    expect(received + offline).toBe(sent);
  });
});

/** The scenario: tsung's own STARTTLS example (doc/examples/jabber_starttls.xml), bounded. */
function scenario(port: number): string {
  return `<?xml version="1.0"?>
<!DOCTYPE tsung SYSTEM "/usr/share/tsung/tsung-1.0.dtd">
<tsung loglevel="notice" dumptraffic="true" version="1.0">
  <clients><client host="localhost" use_controller_vm="true" maxusers="${USERS}"/></clients>
  <servers><server host="127.0.0.1" port="${port}" type="tcp"/></servers>
  <load duration="45" unit="second">
    <arrivalphase phase="1" duration="5" unit="second"><users maxnumber="${USERS}" arrivalrate="10" unit="second"/></arrivalphase>
  </load>
  <options>
    <option type="ts_jabber" name="global_number" value="${USERS}"/>
    <option type="ts_jabber" name="userid_max" value="${USERS}"/>
    <option type="ts_jabber" name="domain" value="localhost"/>
    <option type="ts_jabber" name="username" value="tsung"/>
    <option type="ts_jabber" name="passwd" value="${PASSWORD_PREFIX}"/>
  </options>
  <sessions>
    <session probability="100" name="chat" type="ts_jabber" bidi="true">
      <request><jabber type="connect" ack="local"/></request>
      <request><jabber type="starttls" ack="bidi_ack"/></request>
      <request><jabber type="connect" ack="local"/></request>
      <transaction name="authenticate">
        <request><jabber type="auth_sasl" ack="local"/></request>
        <request><jabber type="connect" ack="local"/></request>
        <request><jabber type="auth_sasl_bind" ack="local"/></request>
        <request><jabber type="auth_sasl_session" ack="local"/></request>
      </transaction>
      <request><jabber type="presence:initial" ack="no_ack"/></request>
      <thinktime value="2"/>
      <for from="1" to="${MESSAGES}" var="i">
        <transaction name="message">
          <request><jabber type="chat" ack="no_ack" size="16" destination="online"/></request>
        </transaction>
        <thinktime value="1"/>
      </for>
      <request><jabber type="close" ack="local"/></request>
    </session>
  </sessions>
</tsung>
`;
}
