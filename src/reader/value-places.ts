/**
 * Where the values near the top of a JSON text start and end, for the stream-json reader: its
 * tokens carry no places, and a record or a fault must name one. Only values at depth 0 (a line of
 * JSON Lines, a lone object), 1 (a bare array's elements, a wrapper's values) and 2 (a Records
 * array's elements) are noted; the reader takes one place for each value token it sees at those
 * depths, in the same order. Bytes, not characters: a place is a byte offset, as the record
 * splitter's are. The text fed is known to be valid so far (the verifier checked it).
 */

const QUOTE = 0x22;
const BACKSLASH = 0x5c;
const NEWLINE = 0x0a;

export interface ValuePlace {
  depth: number;
  /** Absolute byte of the value's first byte, and its line. */
  start: number;
  line: number;
  /** Absolute byte after its last byte; -1 while it is still open. */
  end: number;
}

const NOTED_DEPTH = 2;

export class ValuePlaces {
  private readonly queue: ValuePlace[] = [];
  private head = 0;
  /** Per open container: is it an object? Its place when noted. */
  private readonly containers: Array<{ object: boolean; place: ValuePlace | undefined }> = [];
  private keyNext = false;
  private inString = false;
  private escape = false;
  private scalar: ValuePlace | undefined;
  private stringPlace: ValuePlace | undefined;
  private byte: number;
  private line: number;

  /** From absolute byte `start` (line `line`); `inArray`: a synthetic '[' came before. */
  constructor(start: number, line: number, inArray: boolean) {
    this.byte = start;
    this.line = line;
    // The synthetic '[' is a value to the parser too: it gets a (zero-length) place.
    if (inArray) this.containers.push({ object: false, place: this.note(start) });
  }

  /** The place of the next value at `depth`, or undefined when the two readings disagree. */
  take(depth: number): ValuePlace | undefined {
    while (this.head < this.queue.length) {
      const place = this.queue[this.head++];
      if (this.head > 1024) {
        this.queue.splice(0, this.head);
        this.head = 0;
      }
      if (place.depth === depth) return place;
    }
    return undefined;
  }

  feed(bytes: Buffer): void {
    const base = this.byte;
    const n = bytes.length;
    for (let i = 0; i < n; i++) {
      const b = bytes[i];
      if (b === NEWLINE) this.line++;
      if (this.inString) {
        if (this.escape) this.escape = false;
        else if (b === BACKSLASH) this.escape = true;
        else if (b === QUOTE) {
          this.inString = false;
          if (this.stringPlace) this.stringPlace.end = base + i + 1;
          this.stringPlace = undefined;
        }
        continue;
      }
      if (this.scalar) {
        if (b === 0x20 || b === NEWLINE || b === 0x0d || b === 0x09 || b === 0x2c || b === 0x5d || b === 0x7d) {
          this.scalar.end = base + i;
          this.scalar = undefined;
        } else continue;
      }
      switch (b) {
        case 0x20:
        case NEWLINE:
        case 0x0d:
        case 0x09:
        case 0x3a:
          break;
        case 0x2c:
          this.keyNext = this.containers.length > 0 && this.containers[this.containers.length - 1].object;
          break;
        case 0x7b:
        case 0x5b:
          this.containers.push({ object: b === 0x7b, place: this.note(base + i) });
          this.keyNext = b === 0x7b;
          break;
        case 0x7d:
        case 0x5d: {
          const closed = this.containers.pop();
          if (closed?.place) closed.place.end = base + i + 1;
          this.keyNext = false;
          break;
        }
        case QUOTE:
          this.inString = true;
          if (this.keyNext) {
            this.keyNext = false;
            this.stringPlace = undefined;
          } else this.stringPlace = this.note(base + i);
          break;
        default:
          this.scalar = this.note(base + i);
      }
    }
    this.byte = base + n;
  }

  /** Notes a value starting at `at` when it is shallow enough to matter. */
  private note(at: number): ValuePlace | undefined {
    const depth = this.containers.length;
    if (depth > NOTED_DEPTH) return undefined;
    const place: ValuePlace = { depth, start: at, line: this.line, end: -1 };
    this.queue.push(place);
    return place;
  }
}
