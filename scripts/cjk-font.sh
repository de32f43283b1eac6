#!/bin/sh
# Makes chart/font/NotoSansSC-Subset.otf, the font the charts are drawn with:
# Noto Sans CJK SC Regular (SIL Open Font License 1.1, Debian's fonts-noto-cjk)
# cut down to ASCII, Latin-1 punctuation, CJK punctuation, full-width forms and
# the 6,763 hanzi of GB2312, so that it is small enough to embed in the binary.
# Needs: apt-get install -y fonts-noto-cjk python3-fonttools
# The output depends only on those two packages' versions.
set -eu
src=${1:-/usr/share/fonts/opentype/noto/NotoSansCJK-Regular.ttc}
out=$(dirname "$0")/../chart/font/NotoSansSC-Subset.otf
chars=$(mktemp)
trap 'rm -f "$chars"' EXIT
number=$(/usr/bin/python3 - "$src" "$chars" <<'PY'
import sys
from fontTools.ttLib import TTCollection
src, out = sys.argv[1], sys.argv[2]
# The collection holds JP, KR, SC, TC, HK...: find Simplified Chinese by name.
number = next(i for i, f in enumerate(TTCollection(src).fonts)
              if f["name"].getDebugName(4) == "Noto Sans CJK SC")
text = set(chr(c) for c in range(0x20, 0x7f))
text |= set(chr(c) for c in range(0xa0, 0x100))
text |= set(chr(c) for c in range(0x2010, 0x2070))  # dashes, quotes, ‰
text |= set(chr(c) for c in range(0x3000, 0x3040))  # CJK punctuation
text |= set(chr(c) for c in range(0xff00, 0xff66))  # full-width forms
for hi in range(0xa1, 0xf8):  # GB2312: symbols (rows 1-9) and hanzi (rows 16-87)
    for lo in range(0xa1, 0xff):
        try:
            text.add(bytes([hi, lo]).decode("gb2312"))
        except UnicodeDecodeError:
            pass
with open(out, "w", encoding="utf-8") as f:
    f.write("".join(sorted(text)))
print(number)
PY
)
/usr/bin/python3 -m fontTools.subset "$src" --font-number="$number" --text-file="$chars" \
	--layout-features='' --no-hinting --desubroutinize --name-IDs='*' --output-file="$out"
ls -l "$out"
