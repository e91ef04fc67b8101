// Writes wasm binaries directly, for hostile modules whose counts (functions, exports, tables) would make WAT text
// and its compiler slow and large. Only what the tests need; every section is written in the order the spec requires.

const SECTION = { custom: 0, type: 1, import: 2, function: 3, table: 4, memory: 5, global: 6, export: 7, start: 8, element: 9, dataCount: 12, code: 10, data: 11 } as const;
export const KIND = { function: 0, table: 1, memory: 2, global: 3 } as const;
export const T = { i32: 0x7f, i64: 0x7e, funcref: 0x70 } as const;
export const OP = { end: 0x0b, drop: 0x1a, i32Const: 0x41, refNull: 0xd0, refFunc: 0xd2, localGet: 0x20, prefixFC: 0xfc, tableGrow: 15, call: 0x10 } as const;

/** A growable byte buffer with LEB128 and name encoders. */
export class Bytes {
  private buf = new Uint8Array(256);
  length = 0;

  private room(n: number): void {
    if (this.length + n <= this.buf.length) return;
    let size = this.buf.length * 2;
    while (size < this.length + n) size *= 2;
    const next = new Uint8Array(size);
    next.set(this.buf.subarray(0, this.length));
    this.buf = next;
  }

  byte(...bs: number[]): this {
    this.room(bs.length);
    for (const b of bs) this.buf[this.length++] = b;
    return this;
  }

  raw(bytes: Uint8Array): this {
    this.room(bytes.length);
    this.buf.set(bytes, this.length);
    this.length += bytes.length;
    return this;
  }

  u32(n: number): this {
    let v = n >>> 0;
    do {
      const b = v & 0x7f;
      v >>>= 7;
      this.byte(v ? b | 0x80 : b);
    } while (v);
    return this;
  }

  s32(n: number): this {
    let v = n | 0;
    for (;;) {
      const b = v & 0x7f;
      v >>= 7;
      if ((v === 0 && !(b & 0x40)) || (v === -1 && b & 0x40)) return this.byte(b);
      this.byte(b | 0x80);
    }
  }

  name(s: string): this {
    const utf8 = new TextEncoder().encode(s);
    return this.u32(utf8.length).raw(utf8);
  }

  bytes(): Uint8Array {
    return this.buf.slice(0, this.length);
  }
}

interface FuncType { params: number[]; results: number[] }
interface Limits { initial: number; maximum?: number }
interface Func { type: number; locals: [count: number, type: number][]; body: Uint8Array }

/** A module assembled section by section; add* calls return the new item's index. */
export class ModuleWriter {
  private readonly types: FuncType[] = [];
  private readonly typeIndex = new Map<string, number>();
  private readonly imports: Bytes[] = [];
  private importedFuncs = 0;
  private readonly funcs: Func[] = [];
  private readonly tables: Limits[] = [];
  private memory: Limits | null = null;
  private readonly globals: Bytes[] = [];
  private readonly exports: Bytes[] = [];
  private readonly elements: Bytes[] = [];
  private readonly data: Bytes[] = [];
  private readonly customs: Bytes[] = [];
  private start: number | null = null;
  /** A run of identical functions, written without a Func object per copy. */
  private repeated: { count: number; func: Func } | null = null;

  type(params: number[] = [], results: number[] = []): number {
    const key = `${params.join()}:${results.join()}`;
    let i = this.typeIndex.get(key);
    if (i === undefined) this.typeIndex.set(key, (i = this.types.push({ params, results }) - 1));
    return i;
  }

  importFunc(module: string, name: string, type: number): number {
    this.imports.push(new Bytes().name(module).name(name).byte(KIND.function).u32(type));
    return this.importedFuncs++;
  }

  func(body: number[] | Uint8Array, opts: { type?: number; locals?: [number, number][]; export?: string } = {}): number {
    if (this.repeated) throw new Error('add single functions before repeated ones');
    const index = this.importedFuncs + this.funcs.push({ type: opts.type ?? this.type(), locals: opts.locals ?? [], body: Uint8Array.from(body) }) - 1;
    if (opts.export !== undefined) this.export(opts.export, KIND.function, index);
    return index;
  }

  /** `count` copies of one function after the others; returns the index of the first. */
  repeatFunc(count: number, body: number[], type = this.type()): number {
    this.repeated = { count, func: { type, locals: [], body: Uint8Array.from(body) } };
    return this.importedFuncs + this.funcs.length;
  }

  table(initial: number, maximum?: number): number {
    return this.tables.push(maximum === undefined ? { initial } : { initial, maximum }) - 1;
  }

  setMemory(initial: number, maximum?: number): void {
    this.memory = maximum === undefined ? { initial } : { initial, maximum };
  }

  /** A mutable i32 global initialised to `value`. */
  global(value = 0): number {
    return this.globals.push(new Bytes().byte(T.i32, 1, OP.i32Const).s32(value).byte(OP.end)) - 1;
  }

  export(name: string, kind: number, index: number): void {
    this.exports.push(new Bytes().name(name).byte(kind).u32(index));
  }

  /** An active segment of table 0 at `offset` holding `funcs`. */
  activeElements(offset: number, funcs: number[]): void {
    const b = new Bytes().byte(0, OP.i32Const).s32(offset).byte(OP.end).u32(funcs.length);
    for (const f of funcs) b.u32(f);
    this.elements.push(b);
  }

  /** A passive segment of `count` function references to `func`. */
  passiveElements(count: number, func: number): void {
    const b = new Bytes().byte(1, 0).u32(count);
    for (let i = 0; i < count; i++) b.u32(func);
    this.elements.push(b);
  }

  /** An active segment of memory 0 at `offset`. */
  activeData(offset: number, bytes: Uint8Array): void {
    this.data.push(new Bytes().byte(0, OP.i32Const).s32(offset).byte(OP.end).u32(bytes.length).raw(bytes));
  }

  passiveData(bytes: Uint8Array): void {
    this.data.push(new Bytes().byte(1).u32(bytes.length).raw(bytes));
  }

  setStart(func: number): void {
    this.start = func;
  }

  custom(name: string, payload: Uint8Array): void {
    this.customs.push(new Bytes().name(name).raw(payload));
  }

  /** A name section with the module's name and the given function names. */
  names(moduleName: string, functions: [index: number, name: string][]): void {
    const mod = new Bytes().name(moduleName);
    const fns = new Bytes().u32(functions.length);
    for (const [i, n] of functions) fns.u32(i).name(n);
    const payload = new Bytes().byte(0).u32(mod.length).raw(mod.bytes()).byte(1).u32(fns.length).raw(fns.bytes());
    this.custom('name', payload.bytes());
  }

  bytes(): Uint8Array {
    const out = new Bytes().byte(0x00, 0x61, 0x73, 0x6d, 0x01, 0x00, 0x00, 0x00);
    const section = (id: number, items: number, write: (b: Bytes) => void) => {
      if (items === 0) return;
      const body = new Bytes().u32(items);
      write(body);
      out.byte(id).u32(body.length).raw(body.bytes());
    };
    const list = (id: number, parts: Bytes[]) => section(id, parts.length, (b) => parts.forEach((p) => b.raw(p.bytes())));
    const limits = (b: Bytes, l: Limits) => (l.maximum === undefined ? b.byte(0).u32(l.initial) : b.byte(1).u32(l.initial).u32(l.maximum));
    const repeats = this.repeated?.count ?? 0;
    const allFuncs = this.funcs.length + repeats;

    section(SECTION.type, this.types.length, (b) => this.types.forEach((t) => b.byte(0x60).u32(t.params.length).byte(...t.params).u32(t.results.length).byte(...t.results)));
    list(SECTION.import, this.imports);
    section(SECTION.function, allFuncs, (b) => {
      for (const f of this.funcs) b.u32(f.type);
      for (let i = 0; i < repeats; i++) b.u32(this.repeated!.func.type);
    });
    section(SECTION.table, this.tables.length, (b) => this.tables.forEach((t) => limits(b.byte(T.funcref), t)));
    if (this.memory) section(SECTION.memory, 1, (b) => limits(b, this.memory!));
    list(SECTION.global, this.globals);
    list(SECTION.export, this.exports);
    if (this.start !== null) out.byte(SECTION.start).u32(new Bytes().u32(this.start).length).u32(this.start);
    list(SECTION.element, this.elements);
    if (this.data.some((d) => d.bytes()[0] === 1)) out.byte(SECTION.dataCount).u32(new Bytes().u32(this.data.length).length).u32(this.data.length);
    section(SECTION.code, allFuncs, (b) => {
      const write = (f: Func) => {
        const body = new Bytes().u32(f.locals.length);
        for (const [n, t] of f.locals) body.u32(n).byte(t);
        body.raw(f.body);
        b.u32(body.length).raw(body.bytes());
      };
      this.funcs.forEach(write);
      if (this.repeated) {
        const one = new Bytes();
        const f = this.repeated.func;
        const body = new Bytes().u32(0).raw(f.body);
        one.u32(body.length).raw(body.bytes());
        const encoded = one.bytes();
        for (let i = 0; i < repeats; i++) b.raw(encoded);
      }
    });
    list(SECTION.data, this.data);
    for (const c of this.customs) out.byte(SECTION.custom).u32(c.length).raw(c.bytes());
    return out.bytes();
  }
}
