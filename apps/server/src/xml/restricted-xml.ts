/**
 * RFC 6120 §11.1: XMPP forbids comments, processing instructions, DTDs and
 * entity references other than the predefined ones. The ltx parser under
 * @xmpp/xml silently skips such markup, which would let a client smuggle a
 * DOCTYPE past us, so every byte is scanned here first. The scanner keeps its
 * state across chunks: a forbidden construct split over two TCP reads is
 * still caught.
 */
export type RestrictedXmlViolation = 'comment' | 'processing-instruction' | 'doctype' | 'entity';

const PREDEFINED_ENTITIES = new Set(['amp', 'lt', 'gt', 'quot', 'apos']);
const CDATA_OPEN = '[CDATA[';

const enum State {
  Text,
  AfterLt,
  Bang, // seen "<!" and matching "[CDATA["
  Cdata,
  Entity,
  XmlDeclaration,
}

export class RestrictedXmlScanner {
  #state = State.Text;
  #matched = 0; // progress through "[CDATA[" or "]]>"
  #entity = '';
  /** the XML declaration is allowed once, before anything else */
  #declarationAllowed = true;
  #seenMarkup = false;
  #questionMark = false;

  /** Returns the first violation in this chunk, or null. */
  scan(chunk: string): RestrictedXmlViolation | null {
    for (let i = 0; i < chunk.length; i++) {
      const c = chunk.charCodeAt(i);
      switch (this.#state) {
        case State.Text: {
          // Fast path: jump to the next character that matters.
          let j = i;
          while (j < chunk.length) {
            const d = chunk.charCodeAt(j);
            if (d === 60 /* < */ || d === 38 /* & */) break;
            j++;
          }
          i = j;
          if (i >= chunk.length) break;
          if (chunk.charCodeAt(i) === 60) this.#state = State.AfterLt;
          else {
            this.#state = State.Entity;
            this.#entity = '';
          }
          break;
        }
        case State.AfterLt:
          if (c === 33 /* ! */) {
            this.#state = State.Bang;
            this.#matched = 0;
          } else if (c === 63 /* ? */) {
            if (!this.#declarationAllowed || this.#seenMarkup) return 'processing-instruction';
            this.#declarationAllowed = false;
            this.#state = State.XmlDeclaration;
            this.#matched = 0;
          } else {
            this.#seenMarkup = true;
            this.#declarationAllowed = false;
            this.#state = State.Text;
          }
          break;
        case State.XmlDeclaration: {
          // "<?xml " exactly, then anything up to "?>"
          const expected = 'xml ';
          if (this.#matched < expected.length) {
            if (chunk[i] !== expected[this.#matched]) return 'processing-instruction';
            this.#matched++;
          } else if (c === 62 /* > */ && this.#questionMark) {
            this.#state = State.Text;
          } else if (c === 60) {
            return 'processing-instruction';
          }
          this.#questionMark = c === 63;
          break;
        }
        case State.Bang:
          if (chunk[i] === CDATA_OPEN[this.#matched]) {
            this.#matched++;
            if (this.#matched === CDATA_OPEN.length) {
              this.#state = State.Cdata;
              this.#matched = 0;
            }
          } else {
            return chunk[i] === '-' && this.#matched === 0 ? 'comment' : 'doctype';
          }
          break;
        case State.Cdata:
          if (c === 93 /* ] */) this.#matched = Math.min(this.#matched + 1, 2);
          else if (c === 62 && this.#matched === 2) this.#state = State.Text;
          else this.#matched = 0;
          break;
        case State.Entity:
          if (c === 59 /* ; */) {
            const name = this.#entity;
            this.#state = State.Text;
            if (name.startsWith('#')) {
              if (!/^#(\d{1,7}|x[0-9a-fA-F]{1,6})$/.test(name)) return 'entity';
            } else if (!PREDEFINED_ENTITIES.has(name)) return 'entity';
          } else {
            this.#entity += chunk[i];
            if (this.#entity.length > 8) return 'entity';
          }
          break;
      }
    }
    return null;
  }
}
