// Validates Kubernetes objects (a JSON array in the file named by the first argument) against the
// schemas of Kubernetes itself and of the KEDA, Strimzi and Prometheus Operator CRDs, offline.
// Prints one line per object and exits 1 if any is invalid or of an unknown kind.
import { readFileSync } from "node:fs";

const packages = {
  "keda.sh/": "@kubernetes-models/keda",
  "kafka.strimzi.io/": "@kubernetes-models/strimzi-kafka-operator",
  "monitoring.coreos.com/": "@kubernetes-models/prometheus-operator",
};

function modulePath(apiVersion) {
  for (const [group, pkg] of Object.entries(packages)) {
    if (apiVersion.startsWith(group)) return `${pkg}/${apiVersion}`;
  }
  return `kubernetes-models/${apiVersion}`;
}

const objects = JSON.parse(readFileSync(process.argv[2], "utf8"));
let failures = 0;
for (const object of objects) {
  const label = `${object.apiVersion} ${object.kind}/${object.metadata?.name}`;
  try {
    const module = await import(modulePath(object.apiVersion));
    const Model = module[object.kind];
    if (!Model) throw new Error(`no schema for kind ${object.kind}`);
    new Model(object).validate();
    console.log(`valid   ${label}`);
  } catch (error) {
    failures++;
    console.log(`INVALID ${label}: ${error.message}`);
  }
}
process.exit(failures === 0 ? 0 : 1);
