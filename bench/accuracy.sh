#!/usr/bin/env bash
# Reproduces the accuracy figures quoted in README.md: runs the console host on the repo's data
# sets and prints a markdown table. Usage: bench/accuracy.sh   (about a minute on 2 cores)
set -euo pipefail
cd "$(dirname "$0")/.."
dotnet build src/Perceptron.Cli -c Release -v quiet -nologo >/dev/null
perceptron() { dotnet src/Perceptron.Cli/bin/Release/net10.0/perceptron.dll "$@"; }
field() { python3 -c "import json,sys; v=json.load(sys.stdin)[sys.argv[1]]; print('-' if v is None else f'{100*v:.2f} %')" "$1"; }
row() { # description, then train arguments
  local what=$1; shift
  local json; json=$(perceptron train --json "$@")
  echo "| $what | \`perceptron train $*\` | $(echo "$json" | field trainAccuracy) | $(echo "$json" | field testAccuracy) |"
}

echo "| model | command | train accuracy | test accuracy |"
echo "|---|---|---|---|"
row "perceptron, breast cancer (seed 0 split)"
mean=$(for seed in 0 1 2 3 4 5 6 7 8 9; do perceptron train --json --seed "$seed"; done \
  | python3 -c "import json,sys
text = sys.stdin.read(); decoder = json.JSONDecoder(); i = 0; values = []
while i < len(text):
    if text[i].isspace(): i += 1; continue
    obj, i = decoder.raw_decode(text, i); values.append(obj['testAccuracy'])
print(f'{100*sum(values)/len(values):.2f} % (min {100*min(values):.2f} %, max {100*max(values):.2f} %)')")
echo "| perceptron, breast cancer, mean of 10 seeded 80/20 splits | \`perceptron train --seed S\`, S = 0..9 | | $mean |"
row "perceptron (logistic regression), flower" --data data/flower.csv --test-fraction 0
row "4 tanh hidden units, flower (the course's shallow network)" --data data/flower.csv --test-fraction 0 --hidden 4 --activation tanh --init normal --learning-rate 1.2 --epochs 10000 --no-standardize
row "64 ReLU hidden units, digits (10 classes, softmax)" --data data/digits.csv --hidden 64 --activation relu --optimizer adam --batch-size 32 --epochs 30
