/**
 * A single pass over every character of a stream before the XML parser
 * sees it, for three jobs the parser cannot do for us:
 *
 * - RFC 6120 §11.1: XMPP forbids comments, processing instructions, DTDs and
 *   entity references other than the predefined ones. The parser would
 *   silently skip such markup (a DOCTYPE smuggled past us), so they are
 *   refused here.
 * - Nesting depth. saxes resolves each element's namespace by walking the
 *   stack of open elements, so a deep document costs time in the square of
 *   its depth (87,000 `<a>` stalled the whole server for a minute). RFC 6120
 *   lets a server set any reasonable limit; the scanner refuses a document
 *   deeper than that before the parser ever holds the deep stack, which
 *   keeps parse time linear in the input.
 * - Where each top-level element (a stanza) ends, so that the stream can
 *   stop parsing right behind one (see StreamParser.pause()).
 *
 * The scanner keeps its state across chunks: a construct split over two TCP
 * reads is still caught. It is not a validating parser: malformed input it
 * lets through is refused by saxes right after.
 */
export type RestrictedXmlViolation = 'comment' | 'processing-instruction' | 'doctype' | 'entity' | 'depth';

export type ScanEvent =
  | { kind: 'violation'; violation: RestrictedXmlViolation }
  /** `offset`: index in the chunk just after the '>' that closed a child of the root */
  | { kind: 'element-end'; offset: number };

const PREDEFINED_ENTITIES = new Set(['amp', 'lt', 'gt', 'quot', 'apos']);
const CDATA_OPEN = '[CDATA[';

const enum State {
  Text,
  AfterLt,
  Bang, // seen "<!" and matching "[CDATA["
  Cdata,
  Entity,
  XmlDeclaration,
  StartTag,
  AttributeValue,
  EndTag,
}

export class RestrictedXmlScanner {
  readonly #maxDepth: number;
  #state = State.Text;
  #matched = 0; // progress through "[CDATA[" or "]]>"
  #entity = '';
  /** where an entity reference returns to: text or an attribute value */
  #afterEntity = State.Text;
  /** the XML declaration is allowed once, before anything else */
  #declarationAllowed = true;
  #seenMarkup = false;
  #questionMark = false;
  /** the quote that opened the current attribute value */
  #quote = 0;
  /** the previous character in a start tag was '/' (a self-closing tag if '>' follows) */
  #slash = false;
  /** open elements, the root (stream) included */
  #depth = 0;

  /** `maxDepth`: how deep elements may nest inside the root, a top-level element counting as 1 */
  constructor(maxDepth = Number.POSITIVE_INFINITY) {
    this.#maxDepth = maxDepth;
  }

  /** true when the last character scanned was outside any child of the root (between stanzas) */
  get betweenElements(): boolean {
    return this.#depth <= 1 && this.#state === State.Text;
  }

  /** Scans `chunk` from `from` up to its first violation or top-level element end, or to its end (null). */
  next(chunk: string, from = 0): ScanEvent | null {
    for (let i = from; i < chunk.length; i++) {
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
          else this.#startEntity(State.Text);
          break;
        }
        case State.AfterLt:
          if (c === 33 /* ! */) {
            this.#state = State.Bang;
            this.#matched = 0;
          } else if (c === 63 /* ? */) {
            if (!this.#declarationAllowed || this.#seenMarkup) return violation('processing-instruction');
            this.#declarationAllowed = false;
            this.#state = State.XmlDeclaration;
            this.#matched = 0;
          } else {
            this.#seenMarkup = true;
            this.#declarationAllowed = false;
            this.#state = c === 47 /* / */ ? State.EndTag : State.StartTag;
            this.#slash = false;
          }
          break;
        case State.StartTag:
          if (c === 62 /* > */) {
            this.#state = State.Text;
            if (this.#slash) {
              if (this.#depth === 1) return { kind: 'element-end', offset: i + 1 };
            } else {
              this.#depth++;
              if (this.#depth - 1 > this.#maxDepth) return violation('depth');
            }
          } else if (c === 34 /* " */ || c === 39 /* ' */) {
            this.#quote = c;
            this.#state = State.AttributeValue;
          }
          this.#slash = c === 47;
          break;
        case State.AttributeValue:
          if (c === this.#quote) {
            this.#state = State.StartTag;
            this.#slash = false;
          } else if (c === 38) this.#startEntity(State.AttributeValue);
          break;
        case State.EndTag:
          if (c === 62) {
            this.#state = State.Text;
            this.#depth = Math.max(0, this.#depth - 1);
            if (this.#depth === 1) return { kind: 'element-end', offset: i + 1 };
          }
          break;
        case State.XmlDeclaration: {
          // "<?xml " exactly, then anything up to "?>"
          const expected = 'xml ';
          if (this.#matched < expected.length) {
            if (chunk[i] !== expected[this.#matched]) return violation('processing-instruction');
            this.#matched++;
          } else if (c === 62 /* > */ && this.#questionMark) {
            this.#state = State.Text;
          } else if (c === 60) {
            return violation('processing-instruction');
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
            return violation(chunk[i] === '-' && this.#matched === 0 ? 'comment' : 'doctype');
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
            this.#state = this.#afterEntity;
            if (name.startsWith('#')) {
              if (!/^#(\d{1,7}|x[0-9a-fA-F]{1,6})$/.test(name)) return violation('entity');
            } else if (!PREDEFINED_ENTITIES.has(name)) return violation('entity');
          } else {
            this.#entity += chunk[i];
            if (this.#entity.length > 8) return violation('entity');
          }
          break;
      }
    }
    return null;
  }

  /** Returns the first violation in this chunk, or null. */
  scan(chunk: string): RestrictedXmlViolation | null {
    for (let from = 0; ;) {
      const event = this.next(chunk, from);
      if (!event) return null;
      if (event.kind === 'violation') return event.violation;
      from = event.offset;
    }
  }

  #startEntity(returnTo: State): void {
    this.#state = State.Entity;
    this.#afterEntity = returnTo;
    this.#entity = '';
  }
}

function violation(kind: RestrictedXmlViolation): ScanEvent {
  return { kind: 'violation', violation: kind };
}
