'use strict';
// agentops.spans rows -> COPY's binary format (PostgreSQL docs, "COPY", Binary Format): no
// escaping, texts go as their UTF-8 bytes. Binary COPY does not convert types: these must
// be the columns' types in resources/sql (a mismatch fails every batch, and the tests).
//
// A row is written in two parts: the columns a span's own data decides (STATIC_COLUMNS,
// its texts included: encoded where the request is decoded, in the decoder's worker) and
// the columns the trace tree decides (TREE_COLUMNS: session, turn, path, totals; written by
// the pipeline when the span's parent is known). COPY_SQL names them in that order.
const { finished } = require('stream/promises');
const { from: copyFrom } = require('pg-copy-streams');

const TEXT = 0; // a string, or a Buffer of UTF-8
const INT4 = 1;
const INT8 = 2;
const FLOAT8 = 3;
const TIMESTAMPTZ = 4; // a value in ms since the epoch
const JSONB = 5; // a JSON text
const STATIC_COLUMNS = [['span_id', TEXT], ['trace_id', TEXT], ['parent_id', TEXT], ['kind', TEXT], ['name', TEXT], ['model', TEXT],
  ['prompt_version', INT4], ['started_at', TIMESTAMPTZ], ['duration_ms', FLOAT8], ['first_token_at', TIMESTAMPTZ], ['input_tokens', INT8],
  ['output_tokens', INT8], ['cache_read_tokens', INT8], ['cache_write_tokens', INT8], ['status', TEXT], ['error', TEXT], ['error_type', TEXT],
  ['attrs', JSONB], ['input', TEXT], ['output', TEXT], ['input_bytes', INT8], ['output_bytes', INT8]];
const TREE_COLUMNS = [['session_id', TEXT], ['turn', INT4], ['agent', TEXT], ['host', TEXT], ['path', TEXT], ['depth', INT4],
  ['subtree_tokens', INT8], ['subtree_errors', INT4], ['subtree_duration_ms', FLOAT8]];
const NCOLUMNS = STATIC_COLUMNS.length + TREE_COLUMNS.length;
const COPY_SQL = `COPY agentops.spans (${[...STATIC_COLUMNS, ...TREE_COLUMNS].map((c) => c[0]).join(', ')}) FROM STDIN (FORMAT binary)`;
const COPY_SIGNATURE = Buffer.from('PGCOPY\n\xff\r\n\0', 'latin1');
const PG_EPOCH_MS = 946684800000; // 2000-01-01T00:00:00Z
const BIG = 16384; // texts longer than this go as their own buffer

class CopyWriter {
  constructor() {
    this.parts = [];
    this.size = 0;
    this.fresh();
  }

  // Bytes written so far (parts + the current buffer).
  get offset() {
    return this.size + this.pos;
  }

  fresh() {
    this.buf = Buffer.allocUnsafe(65536);
    this.pos = 0;
  }

  cut() {
    if (!this.pos) return;
    this.parts.push(this.buf.subarray(0, this.pos));
    this.size += this.pos;
    this.fresh();
  }

  room(n) {
    if (this.pos + n > this.buf.length) this.cut();
  }

  int16(v) {
    this.room(2);
    this.pos = this.buf.writeInt16BE(v, this.pos);
  }

  int32(v) {
    this.room(4);
    this.pos = this.buf.writeInt32BE(v, this.pos);
  }

  // Bytes as they are (a row's static part).
  bytes(b) {
    if (b.length > BIG) {
      this.cut();
      this.parts.push(b);
      this.size += b.length;
      return;
    }
    this.room(b.length);
    this.pos += b.copy(this.buf, this.pos);
  }

  field(type, v) {
    if (v === null || v === undefined) return this.int32(-1);
    switch (type) {
      case INT4:
        this.room(8);
        this.pos = this.buf.writeInt32BE(4, this.pos);
        this.pos = this.buf.writeInt32BE(v, this.pos);
        return undefined;
      case INT8:
        this.room(12);
        this.pos = this.buf.writeInt32BE(8, this.pos);
        this.pos = this.buf.writeBigInt64BE(BigInt(v), this.pos);
        return undefined;
      case FLOAT8:
        this.room(12);
        this.pos = this.buf.writeInt32BE(8, this.pos);
        this.pos = this.buf.writeDoubleBE(v, this.pos);
        return undefined;
      case TIMESTAMPTZ:
        this.room(12);
        this.pos = this.buf.writeInt32BE(8, this.pos);
        this.pos = this.buf.writeBigInt64BE(BigInt(Math.round((v - PG_EPOCH_MS) * 1000)), this.pos);
        return undefined;
      case JSONB:
        return this.text(v, 1);
      default:
        if (Buffer.isBuffer(v)) {
          // UTF-8 bytes checked by the decoder (otlp.js, RawText)
          this.int32(v.length);
          return this.bytes(v);
        }
        return this.text(v);
    }
  }

  // A text (jsonb: version byte 1 first).
  text(s, version) {
    const head = version === undefined ? 0 : 1;
    if (s.length > BIG) {
      const b = Buffer.from(s, 'utf8');
      this.int32(b.length + head);
      if (head) {
        this.room(1);
        this.buf[this.pos++] = version;
      }
      this.cut();
      this.parts.push(b);
      this.size += b.length;
      return;
    }
    const n = Buffer.byteLength(s, 'utf8');
    this.room(4 + head + n); // n <= 3 * BIG: fits in a fresh buffer
    this.pos = this.buf.writeInt32BE(n + head, this.pos);
    if (head) this.buf[this.pos++] = version;
    this.pos += this.buf.write(s, this.pos, 'utf8');
  }

  // Everything written, as one buffer.
  done() {
    this.cut();
    return this.parts.length === 1 ? this.parts[0] : Buffer.concat(this.parts, this.size);
  }
}

// The static parts of rows (objects with STATIC_COLUMNS' names) -> {buf, ends}: row i is
// buf[ends[i - 1] (or 0), ends[i]).
function encodeStatic(rows) {
  const w = new CopyWriter();
  const ends = new Array(rows.length);
  for (let i = 0; i < rows.length; i++) {
    const r = rows[i];
    w.int16(NCOLUMNS);
    for (const [name, type] of STATIC_COLUMNS) w.field(type, r[name]);
    ends[i] = w.offset;
  }
  return { buf: w.done(), ends };
}

// rows: [{copy: the static part, tree: values of TREE_COLUMNS in order}].
async function copyRows(client, rows) {
  const w = new CopyWriter();
  w.room(19);
  w.pos += COPY_SIGNATURE.copy(w.buf, w.pos);
  w.int32(0); // flags
  w.int32(0); // header extension
  const stream = client.query(copyFrom(COPY_SQL));
  // pg-copy-streams (7.0.0) keeps writing its queued parts on the socket's 'drain' after the
  // server ended the COPY with an error (a statement timeout, a constraint) and it let go of
  // the connection: a TypeError thrown from the socket's event, which ended the process. The
  // parts left are dropped instead (the COPY has failed: done rejects).
  const flush = stream.flush;
  stream.flush = function flushWhileConnected(cb) {
    if (!this.connection) {
      this.chunks = [];
      return;
    }
    flush.call(this, cb);
  };
  const done = finished(stream);
  done.catch(() => {}); // awaited below; a failure while writing ends the writes too
  // Written without waiting for 'drain': the rows are in memory already (the stream holds
  // references to the same bytes), and a wait per 64 KB part was a wake-up of the event
  // loop each, which on a loaded machine made the COPY slower than psql's of the same rows.
  const send = () => {
    w.cut();
    for (const part of w.parts) stream.write(part);
    w.parts = [];
    w.size = 0;
  };
  for (const r of rows) {
    w.bytes(r.copy);
    for (let i = 0; i < TREE_COLUMNS.length; i++) w.field(TREE_COLUMNS[i][1], r.tree[i]);
    if (w.size >= 1 << 20) send();
  }
  w.int16(-1);
  send();
  stream.end();
  await done;
}

module.exports = { encodeStatic, copyRows, STATIC_COLUMNS, TREE_COLUMNS };
