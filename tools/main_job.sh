#!/usr/bin/env bash
# The main job: DSTS against its baseline on the generated dataset, end to end.
#
#   bash tools/main_job.sh [--quick]
#
# 1. generates the synthetic fine-grained video dataset (real .mp4 files),
# 2. trains the baseline and the DSTS model with `mim train mmdsts ...`,
# 3. evaluates both last checkpoints with `tools/dist_test.sh` (2 processes),
# 4. prints top-1 / top-5 / mean-class accuracy side by side.
#
# Run it after `bash tools/install.sh`, from anywhere (it works in the
# checkout). --quick shrinks the dataset and schedule (the CI test uses it).
# Environment: WORK_DIR (default work_dirs/main_job), DATA_DIR (default
# data/synthetic), NPROC_TEST (default 2), PORT (torchrun, default 29500).
set -euo pipefail
ROOT=$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)
cd "$ROOT"
PYTHON=${PYTHON:-python}
WORK_DIR=${WORK_DIR:-work_dirs/main_job}
DATA_DIR=${DATA_DIR:-data/synthetic}
NPROC_TEST=${NPROC_TEST:-2}
export PYTHONWARNINGS=${PYTHONWARNINGS:-ignore}  # mim/mmcv-lite import noise

generate_args=()
train_args=()
if [[ "${1:-}" == "--quick" ]]; then
  generate_args=(--train-per-class 6 --val-per-class 2)
  train_args=(train_cfg.max_epochs=1 train_cfg.val_interval=1
              default_hooks.checkpoint.interval=1
              default_hooks.logger.interval=2)
elif [[ -n "${1:-}" ]]; then
  echo "main_job.sh: unknown argument '$1' (only --quick)" >&2; exit 2
fi

# Absolute paths: mim may run from another directory (below).
WORK_DIR=$(realpath -m "$WORK_DIR")
DATA_DIR=$(realpath -m "$DATA_DIR")

# `python -m mim` finds tools/train.py next to the mmdsts it imports. From
# the checkout root that is the checkout, which holds mmdsts/.mim only with an
# editable install (links made by setup.py); after a regular install mim must
# run elsewhere to find the copy in site-packages.
if [[ -e mmdsts/.mim/tools/train.py ]]; then MIM_CWD=$ROOT; else MIM_CWD=/; fi
mim() { (cd "$MIM_CWD" && "$PYTHON" -m mim "$@"); }

start=$SECONDS
"$PYTHON" tools/data/synthetic/generate.py "$DATA_DIR" \
  ${generate_args[@]+"${generate_args[@]}"}

runs=()
for name in slowonly_r18_synthetic slowonly_r18_dsts_synthetic; do
  config=$ROOT/configs/synthetic/$name.py
  work=$WORK_DIR/$name
  echo "=== training $name ($config) ==="
  t0=$SECONDS
  mim train mmdsts "$config" --gpus 0 --work-dir "$work" \
    --cfg-options \
    train_dataloader.dataset.ann_file="$DATA_DIR/synthetic_train_list_videos.txt" \
    train_dataloader.dataset.data_prefix.video="$DATA_DIR/videos" \
    val_dataloader.dataset.ann_file="$DATA_DIR/synthetic_val_list_videos.txt" \
    val_dataloader.dataset.data_prefix.video="$DATA_DIR/videos" \
    test_dataloader.dataset.ann_file="$DATA_DIR/synthetic_val_list_videos.txt" \
    test_dataloader.dataset.data_prefix.video="$DATA_DIR/videos" \
    ${train_args[@]+"${train_args[@]}"}
  echo $((SECONDS - t0)) > "$work/train_seconds"
  checkpoint=$(cat "$work/last_checkpoint")
  echo "=== testing $name ($checkpoint, $NPROC_TEST processes) ==="
  PYTHON=$PYTHON bash tools/dist_test.sh "$config" "$checkpoint" "$NPROC_TEST" \
    --work-dir "$work/test" --metrics-json "$work/test/metrics.json" \
    --cfg-options \
    test_dataloader.dataset.ann_file="$DATA_DIR/synthetic_val_list_videos.txt" \
    test_dataloader.dataset.data_prefix.video="$DATA_DIR/videos"
  mv "$work/train_seconds" "$work/test/train_seconds"
  runs+=("${name%_synthetic}=$work/test/metrics.json")
done

"$PYTHON" tools/analysis/compare_results.py "${runs[@]}"
echo "main job: $((SECONDS - start)) s in all; logs and checkpoints in $WORK_DIR"
