#!/usr/bin/env bash
# Builds jasr_native.node: oneDNN convolutions and two backward kernels for the wasm backend. Needs g++, Node's
# headers (Debian: nodejs) and oneDNN's (Debian: libdnnl-dev). Exit status non-zero when something is missing:
# the kit then keeps the XNNPACK conv path and says so (src/backend/native-addon.ts).
# No -march: oneDNN picks its ISA at run time and reductions.cc has AVX-512/AVX2/baseline clones, so the build runs on any x86-64.
set -euo pipefail
cd "$(dirname "$0")"
NODE_INCLUDE="${NODE_INCLUDE:-$(dirname "$(dirname "$(command -v node)")")/include/node}"
[ -f "$NODE_INCLUDE/node_api.h" ] || { echo "jasr_native: no node_api.h under $NODE_INCLUDE" >&2; exit 1; }
[ -f /usr/include/oneapi/dnnl/dnnl.hpp ] || { echo "jasr_native: no oneDNN headers (apt-get install libdnnl-dev)" >&2; exit 1; }
command -v g++ >/dev/null || { echo "jasr_native: no g++ (apt-get install g++)" >&2; exit 1; }
mkdir -p build
g++ -std=c++17 -O3 -fPIC -shared -fopenmp -Wall -Wextra -Wno-unused-parameter -I"$NODE_INCLUDE" \
  addon.cc conv.cc reductions.cc -o build/jasr_native.node.tmp -ldnnl
mv build/jasr_native.node.tmp build/jasr_native.node
echo "jasr_native: built $(pwd)/build/jasr_native.node"
