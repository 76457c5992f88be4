#!/usr/bin/env bash
# Distributed training with torchrun: tools/dist_train.sh CONFIG NPROC [train.py args]
# gloo on CPU machines, NCCL on GPUs. NNODES, NODE_RANK, MASTER_ADDR, PORT
# configure multi-node runs.
set -euo pipefail
CONFIG=$1
NPROC=$2
shift 2
HERE=$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)
PYTHONPATH="$HERE/..${PYTHONPATH:+:$PYTHONPATH}" exec "${PYTHON:-python}" \
  -m torch.distributed.run --nnodes="${NNODES:-1}" --node_rank="${NODE_RANK:-0}" \
  --master_addr="${MASTER_ADDR:-127.0.0.1}" --master_port="${PORT:-29500}" \
  --nproc_per_node="$NPROC" "$HERE/train.py" "$CONFIG" --launcher pytorch "$@"
