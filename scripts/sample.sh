#!/usr/bin/env bash
# The main job on the bundled samples: check every returned workbook against the roster.
set -euo pipefail
cd "$(dirname "$0")/.."
bash scripts/setup.sh
set +e
.venv/bin/xxgk check samples/submissions --roster samples/roster.csv --out summary/ --feedback feedback/ "$@"
code=$?
set -e
if [ $code -eq 1 ]; then
  echo "（退出码1：有文件不通过或有单位未报送——示例中故意放入了这些问题，详见 summary/summary.html；发回各单位的反馈文件在 feedback/）"
  exit 0
fi
exit $code
