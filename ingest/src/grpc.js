'use strict';
// OTLP/gRPC: opentelemetry.proto.collector.trace.v1.TraceService/Export on `grpc_port`
// (4317 by convention; 0 = off), the same pipeline as OTLP/HTTP (Receiver.accept). The
// request arrives as bytes (no generated stubs: our decoder reads it, with its caps);
// grpc-js handles gzip. Answers as the OTLP spec's gRPC mapping says: written = OK with
// ExportTraceServiceResponse (partial_success); a request that does not decode =
// INVALID_ARGUMENT; over a cap = RESOURCE_EXHAUSTED without RetryInfo (not retried); queue
// full or storage failing = UNAVAILABLE (retried); bearer token missing or wrong =
// UNAUTHENTICATED.
const grpc = require('@grpc/grpc-js');
const { encodeResponse } = require('./otlp');

const raw = (b) => b;
const SERVICE = {
  export: {
    path: '/opentelemetry.proto.collector.trace.v1.TraceService/Export',
    requestStream: false,
    responseStream: false,
    requestSerialize: raw,
    requestDeserialize: raw,
    responseSerialize: raw,
    responseDeserialize: raw,
  },
};

const CODE = { 400: grpc.status.INVALID_ARGUMENT, 413: grpc.status.RESOURCE_EXHAUSTED, 429: grpc.status.UNAVAILABLE, 503: grpc.status.UNAVAILABLE };

function startGrpc(receiver, { port, host, tls, token, maxBytes }) {
  const server = new grpc.Server({
    'grpc.max_receive_message_length': maxBytes,
    'grpc.max_send_message_length': 1024 * 1024,
  });
  server.addService(SERVICE, {
    export(call, callback) {
      receiver.counters.requests++;
      if (token) {
        const auth = String(call.metadata.get('authorization')[0] || '');
        const m = /^Bearer (.+)$/.exec(auth);
        if (!m || !receiver.tokenMatches(m[1])) {
          receiver.counters.badRequests++;
          callback({ code: grpc.status.UNAUTHENTICATED, details: 'missing or wrong bearer token' });
          return;
        }
      }
      receiver.accept(call.request, false).then((r) => {
        if (r.status === 200) return callback(null, encodeResponse(r.rejected, r.message));
        if (r.status === 400 || r.status === 413) receiver.counters.badRequests++;
        return callback({ code: CODE[r.status] || grpc.status.INTERNAL, details: r.message });
      }, (e) => {
        receiver.log('error', `grpc request: ${e.stack || e.message}`);
        callback({ code: grpc.status.INTERNAL, details: 'internal error' });
      });
    },
  });
  const creds = tls ? grpc.ServerCredentials.createSsl(null, [{ cert_chain: tls.cert, private_key: tls.key }], false) : grpc.ServerCredentials.createInsecure();
  return new Promise((resolve, reject) => {
    server.bindAsync(`${host.includes(':') ? `[${host}]` : host}:${port}`, creds, (err, bound) => (err ? reject(err) : resolve({ server, port: bound })));
  });
}

module.exports = { startGrpc };
