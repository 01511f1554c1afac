#!/usr/bin/env bash
# The main job on the bundled samples: check every returned workbook against the roster.
set -euo pipefail
cd "$(dirname "$0")/.."
bash scripts/setup.sh
set +e
.venv/bin/xxgk check samples/submissions --roster samples/roster.csv --out summary/ "$@"
code=$?
set -e
if [ $code -eq 1 ]; then
  echo "（退出码1：有文件不通过或有单位未报送——示例中故意放入了这些问题，详见 summary/summary.html）"
  exit 0
fi
exit $code
