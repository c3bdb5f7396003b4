#!/usr/bin/env bash
# Builds jasr_native.node: oneDNN convolutions, two backward kernels, elementwise ops and Adam for the wasm backend. Needs g++, Node's
# headers (Debian: nodejs) and oneDNN's (Debian: libdnnl-dev). Exit status non-zero when something is missing:
# the kit then keeps the XNNPACK conv path and says so (src/backend/native-addon.ts).
# After a successful build it writes build/jasr_native.node.sha256 (sha256sum's format), which the loader compares
# before loading the file: a truncated or foreign .node would crash the process inside dlopen (SIGBUS).
# -ffp-contract=off: no fused multiply-add, so elementwise.cc rounds every operation as TF.js's kernels do (same bits);
# -fno-math-errno lets sqrt vectorise (errno is never read). No -march: oneDNN picks its ISA at run time and reductions.cc has AVX-512/AVX2/baseline clones, so the build runs on any x86-64.
set -euo pipefail
cd "$(dirname "$0")"
NODE_INCLUDE="${NODE_INCLUDE:-$(dirname "$(dirname "$(command -v node)")")/include/node}"
[ -f "$NODE_INCLUDE/node_api.h" ] || { echo "jasr_native: no node_api.h under $NODE_INCLUDE" >&2; exit 1; }
[ -f /usr/include/oneapi/dnnl/dnnl.hpp ] || { echo "jasr_native: no oneDNN headers (apt-get install libdnnl-dev)" >&2; exit 1; }
command -v g++ >/dev/null || { echo "jasr_native: no g++ (apt-get install g++)" >&2; exit 1; }
mkdir -p build
g++ -std=c++17 -O3 -fPIC -shared -fopenmp -ffp-contract=off -fno-math-errno -Wall -Wextra -Wno-unused-parameter -I"$NODE_INCLUDE" \
  addon.cc conv.cc reductions.cc elementwise.cc -o build/jasr_native.node.tmp -ldnnl
# The checksum is computed from the temporary, and each file is renamed into place (atomic): a crash in between
# leaves a checksum that does not match, which the loader reports (rebuild), never a half-written file.
(cd build && sha256sum jasr_native.node.tmp | sed 's/\.tmp$//' > jasr_native.node.sha256.tmp)
mv build/jasr_native.node.tmp build/jasr_native.node
mv build/jasr_native.node.sha256.tmp build/jasr_native.node.sha256
echo "jasr_native: built $(pwd)/build/jasr_native.node"
