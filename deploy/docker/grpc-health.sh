#!/usr/bin/env bash
# Health check of a FaceVector gRPC host from inside its image, which has neither curl nor grpc_health_probe:
# one grpc.health.v1.Health/Check call (overall status) spoken as raw HTTP/2 over bash's /dev/tcp.
# Exit 0 only when the answer is SERVING (the embedding host says NOT_SERVING until its models are loaded).
# Usage: grpc-health [PORT]   (default: the first of ASPNETCORE_HTTP_PORTS, else 8080; plain h2c)
set -eu  # no pipefail: the read below may end by timeout
port="${1:-${ASPNETCORE_HTTP_PORTS:-8080}}"
port="${port%%[,;]*}"
exec 3<>"/dev/tcp/127.0.0.1/$port"

# Client preface and an empty SETTINGS frame.
printf 'PRI * HTTP/2.0\r\n\r\nSM\r\n\r\n\x00\x00\x00\x04\x00\x00\x00\x00\x00' >&3
# HEADERS, stream 1, END_HEADERS; HPACK without Huffman: :method POST, :scheme http, :path, :authority, content-type, te.
printf '\x00\x00\x4b\x01\x04\x00\x00\x00\x01' >&3
printf '\x83\x86\x04\x1c/grpc.health.v1.Health/Check\x01\x09localhost\x0f\x10\x10application/grpc\x00\x02te\x08trailers' >&3
# DATA, stream 1, END_STREAM: one uncompressed gRPC message of length 0 (HealthCheckRequest with service "").
printf '\x00\x00\x05\x00\x01\x00\x00\x00\x01\x00\x00\x00\x00\x00' >&3

# GOAWAY: no further streams, so the server closes the connection once it has answered.
printf '\x00\x00\x08\x07\x00\x00\x00\x00\x00\x00\x00\x00\x00\x00\x00\x00\x00' >&3

# The reply's message is 00 00000002 08 01 for SERVING (field 1 = 1). The search host asks the embedders before it
# answers (up to 2 s), hence the longest wait.
timeout 3 cat <&3 | od -An -v -tx1 -w1 | tr -d '\n' | grep -q ' 00 00 00 00 02 08 01'
