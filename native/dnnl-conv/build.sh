#!/usr/bin/env bash
# Builds jasr_dnnl.node (oneDNN convolutions for the wasm backend). Needs g++, Node's headers (Debian: nodejs)
# and oneDNN's (Debian: libdnnl-dev). Exit status non-zero when something is missing: the kit then keeps the
# XNNPACK conv path and says so (src/backend/native-conv/).
set -euo pipefail
cd "$(dirname "$0")"
NODE_INCLUDE="${NODE_INCLUDE:-$(dirname "$(dirname "$(command -v node)")")/include/node}"
[ -f "$NODE_INCLUDE/node_api.h" ] || { echo "jasr_dnnl: no node_api.h under $NODE_INCLUDE" >&2; exit 1; }
[ -f /usr/include/oneapi/dnnl/dnnl.hpp ] || { echo "jasr_dnnl: no oneDNN headers (apt-get install libdnnl-dev)" >&2; exit 1; }
mkdir -p build
g++ -std=c++17 -O2 -fPIC -shared -fopenmp -Wall -Wextra -Wno-unused-parameter -I"$NODE_INCLUDE" conv.cc -o build/jasr_dnnl.node.tmp -ldnnl
mv build/jasr_dnnl.node.tmp build/jasr_dnnl.node
echo "jasr_dnnl: built $(pwd)/build/jasr_dnnl.node"
