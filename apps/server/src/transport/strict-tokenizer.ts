import { EventEmitter } from 'node:events';
import { Parser } from '@conexizan/protocol';
import { SaxesParser } from 'saxes';

/**
 * @xmpp/xml builds elements from a tokenizer's startElement / endElement /
 * text events. Its default tokenizer (ltx's) is lenient: it accepts
 * unquoted attributes, duplicate attributes, a raw '<' in text and
 * undeclared prefixes, and then silently swallows what follows. RFC 6120
 * §11 requires well-formed, namespace-well-formed XML, so we give the same
 * Parser the strict saxes tokenizer (XML 1.0 + namespaces) instead.
 */
class SaxesTokenizer extends EventEmitter {
  readonly #saxes = new SaxesParser({ xmlns: true, position: false });
  #open = 0;

  constructor() {
    super();
    this.#saxes.on('opentag', (tag) => {
      this.#open++;
      const attrs: Record<string, string> = {};
      for (const [name, attribute] of Object.entries(tag.attributes)) attrs[name] = attribute.value;
      this.emit('startElement', tag.name, attrs);
    });
    // Self-closing tags get a closetag event too.
    this.#saxes.on('closetag', (tag) => {
      this.#open--;
      this.emit('endElement', tag.name);
    });
    // XML 1.0 allows whitespace between the declaration and the root (go-sendxmpp
    // sends a newline there); @xmpp/xml's Parser would call any text before
    // the root an error. Other text outside the root is refused by saxes itself.
    this.#saxes.on('text', (text) => {
      if (this.#open > 0) this.emit('text', text);
    });
    this.#saxes.on('cdata', (text) => this.emit('text', text));
    this.#saxes.on('error', (error) => this.emit('error', error));
  }

  write(data: string): void {
    this.#saxes.write(data);
  }
}

type ParserInternals = InstanceType<typeof Parser> & {
  parser: EventEmitter;
  onStartElement(name: string, attrs: Record<string, string>): void;
  onEndElement(name: string): void;
  onText(text: string): void;
  emit(event: 'error', error: Error): boolean;
};

/** A @xmpp/xml Parser that tokenizes strictly. Errors surface as the Parser's 'error' event. */
export function createStrictParser(): InstanceType<typeof Parser> {
  const parser = new Parser() as ParserInternals;
  const tokenizer = new SaxesTokenizer();
  tokenizer.on('startElement', (name: string, attrs: Record<string, string>) => parser.onStartElement(name, attrs));
  tokenizer.on('endElement', (name: string) => parser.onEndElement(name));
  tokenizer.on('text', (text: string) => parser.onText(text));
  tokenizer.on('error', (error: Error) => parser.emit('error', error));
  parser.parser = tokenizer;
  return parser;
}
