#!/bin/sh
# Synthesizes the CDK app (app.js) with the pinned aws-cdk-lib and writes
# the template to template.json, the test data tests/e2e/test_cfn_cdk.py
# deploys. Run it after changing app.js or the pinned versions, and commit
# template.json: the tests do not need npm or the CDK.
set -eu
cd "$(dirname "$0")"
[ -d node_modules/aws-cdk-lib ] || npm ci --no-audit --no-fund
rm -rf cdk.out
node app.js
python3 -c 'import json,sys; json.dump(json.load(open(sys.argv[1])), open(sys.argv[2], "w"), indent=1); open(sys.argv[2], "a").write("\n")' \
  cdk.out/NimbusCdkApp.template.json template.json
rm -rf cdk.out
echo "wrote $(pwd)/template.json"
