#!/usr/bin/env bash
# The main job: DSTS against its baseline on the generated dataset, end to end,
# in the paper's setting (DSTS added to a trained backbone).
#
#   bash tools/main_job.sh [--quick]
#
# 1. generates the synthetic fine-grained video dataset (real .mp4 files) and
#    carves a holdout (validation) part from its training list,
# 2. stage (a): trains the baseline from scratch with `mim train mmdsts ...`,
# 3. stage (b): from that checkpoint, fine-tunes for the same epochs with the
#    plain head and with DSTS + UDL,
# 4. evaluates the three last checkpoints on the test split with
#    `tools/dist_test.sh` (2 processes),
# 5. prints one table: top-1 / top-5 / mean-class accuracy, the DSTS routing
#    load on the test split, and training wall time.
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
pretrain_args=()
finetune_args=()
if [[ "${1:-}" == "--quick" ]]; then
  generate_args=(--train-per-class 6 --val-per-class 2 --holdout-per-class 1)
  quick=(train_cfg.val_interval=1 default_hooks.checkpoint.interval=1
         default_hooks.logger.interval=2)
  pretrain_args=(train_cfg.max_epochs=1 "${quick[@]}")
  finetune_args=(train_cfg.max_epochs=1 "${quick[@]}")
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

# Train on the training list minus the holdout; validate on the holdout.
data_options=(
  train_dataloader.dataset.ann_file="$DATA_DIR/synthetic_trainsub_list_videos.txt"
  train_dataloader.dataset.data_prefix.video="$DATA_DIR/videos"
  val_dataloader.dataset.ann_file="$DATA_DIR/synthetic_holdout_list_videos.txt"
  val_dataloader.dataset.data_prefix.video="$DATA_DIR/videos"
  test_dataloader.dataset.ann_file="$DATA_DIR/synthetic_val_list_videos.txt"
  test_dataloader.dataset.data_prefix.video="$DATA_DIR/videos")

train() {  # NAME [CFG_OPTION ...]
  local name=$1; shift
  local work=$WORK_DIR/$name
  echo "=== training $name (configs/synthetic/$name.py) ==="
  local t0=$SECONDS
  mim train mmdsts "$ROOT/configs/synthetic/$name.py" --gpus 0 \
    --work-dir "$work" --cfg-options "${data_options[@]}" "$@"
  mkdir -p "$work/test"
  echo $((SECONDS - t0)) > "$work/test/train_seconds"
}

evaluate() {  # NAME
  local name=$1 work=$WORK_DIR/$1
  local checkpoint
  checkpoint=$(cat "$work/last_checkpoint")
  echo "=== testing $name ($checkpoint, $NPROC_TEST processes) ==="
  PYTHON=$PYTHON bash tools/dist_test.sh "$ROOT/configs/synthetic/$name.py" \
    "$checkpoint" "$NPROC_TEST" --work-dir "$work/test" \
    --metrics-json "$work/test/metrics.json" \
    --cfg-options "${data_options[@]}"
}

train slowonly_r18_synthetic ${pretrain_args[@]+"${pretrain_args[@]}"}
pretrained=$(cat "$WORK_DIR/slowonly_r18_synthetic/last_checkpoint")
for name in slowonly_r18_finetune_synthetic \
            slowonly_r18_dsts_finetune_synthetic; do
  train $name load_from="$pretrained" \
    ${finetune_args[@]+"${finetune_args[@]}"}
done

runs=()
for name in slowonly_r18_synthetic slowonly_r18_finetune_synthetic \
            slowonly_r18_dsts_finetune_synthetic; do
  evaluate $name
  label=${name%_synthetic}
  [[ $label == slowonly_r18 ]] && label='pretrained (stage a)'
  runs+=("$label=$WORK_DIR/$name/test/metrics.json")
done

"$PYTHON" tools/analysis/compare_results.py "${runs[@]}" \
  --reference slowonly_r18_finetune
echo "main job: $((SECONDS - start)) s in all; logs and checkpoints in $WORK_DIR"
