#!/usr/bin/env python3
"""Validates rendered Kubernetes manifests offline (run by scripts/check-k8s).

  check-k8s.py --crds k8s/crds --k8s-version 1.30 --k8s-version 1.37 RENDERED.yaml...

- Kubernetes' own kinds against the API schemas of each version given (kubernetes-validate,
  strict: an unknown field is an error, as `kubectl apply --validate=strict` would say).
- Custom resources (RabbitMQ, Messaging Topology Operator, CloudNativePG, Prometheus
  Operator, Gateway API) against the openAPIV3Schema of the CRDs vendored under --crds,
  also strict: the API server would silently prune an unknown field.
- What the suite relies on, per rendered file: each llo Deployment has liveness on
  `liveness`, readiness on its own gRPC name, resources, a grace period longer than its
  preStop and drain, a `migrate` init container (its image, its database, hardened), and
  a Service, ServiceAccount, PodDisruptionBudget and HorizontalPodAutoscaler of its own;
  every Secret a pod or resource reads is either written by an operator in the same
  render or listed in k8s/README.md.
"""
import argparse
import copy
import glob
import os
import re
import sys

import jsonschema
import kubernetes_validate
import yaml

OPERATOR_SECRETS = [
    # Messaging Topology Operator: a generated User's credentials.
    (re.compile(r"^(.*)-user-credentials$"), ("rabbitmq.com", "User")),
    # CloudNativePG: the application user of a Cluster.
    (re.compile(r"^(.*)-app$"), ("postgresql.cnpg.io", "Cluster")),
    # RabbitMQ Cluster Operator: the default user.
    (re.compile(r"^(.*)-default-user$"), ("rabbitmq.com", "RabbitmqCluster")),
]


def strict(schema):
    """The schema with additionalProperties: false wherever properties are listed and the
    CRD does not keep unknown fields."""
    schema = copy.deepcopy(schema)

    def walk(node):
        if isinstance(node, dict):
            if (
                "properties" in node
                and "additionalProperties" not in node
                and not node.get("x-kubernetes-preserve-unknown-fields")
            ):
                node["additionalProperties"] = False
            for value in node.values():
                walk(value)
        elif isinstance(node, list):
            for value in node:
                walk(value)

    walk(schema)
    return schema


def load_crds(directory):
    schemas = {}
    for path in sorted(glob.glob(os.path.join(directory, "**", "*.yaml"), recursive=True)):
        with open(path, encoding="utf-8") as f:
            for crd in yaml.safe_load_all(f):
                if not crd or crd.get("kind") != "CustomResourceDefinition":
                    continue
                group = crd["spec"]["group"]
                kind = crd["spec"]["names"]["kind"]
                for version in crd["spec"]["versions"]:
                    if not version.get("served", True):
                        continue
                    schema = strict(version["schema"]["openAPIV3Schema"])
                    validator = jsonschema.Draft7Validator(schema)
                    schemas[(f"{group}/{version['name']}", kind)] = validator
    return schemas


def name_of(doc):
    meta = doc.get("metadata") or {}
    return f"{doc.get('kind')}/{meta.get('name')}"


def validate_schemas(docs, crds, versions):
    errors = []
    for doc in docs:
        key = (doc.get("apiVersion"), doc.get("kind"))
        if "/" in (doc.get("apiVersion") or "") and key in crds:
            for error in crds[key].iter_errors(doc):
                path = ".".join(str(p) for p in error.absolute_path)
                errors.append(f"{name_of(doc)}: {path}: {error.message}")
            continue
        for version in versions:
            try:
                kubernetes_validate.validate(doc, version, strict=True)
            except kubernetes_validate.SchemaNotFoundError:
                errors.append(
                    f"{name_of(doc)}: no schema for {doc.get('apiVersion')} {doc.get('kind')} "
                    f"(neither Kubernetes {version} nor a vendored CRD)"
                )
                break
            except kubernetes_validate.ValidationError as error:
                path = ".".join(str(p) for p in error.path)
                errors.append(f"{name_of(doc)} (Kubernetes {version}): {path}: {error.message}")
    return errors


def env_value(container, name):
    for env in container.get("env") or []:
        if env.get("name") == name:
            return env.get("value")
    return None


def env_entry(container, name):
    for env in container.get("env") or []:
        if env.get("name") == name:
            return env
    return None


def hardened(container):
    security = container.get("securityContext") or {}
    return bool(
        security.get("readOnlyRootFilesystem")
        and security.get("allowPrivilegeEscalation") is False
        and security.get("capabilities", {}).get("drop") == ["ALL"]
    )


def check_migrate_init_container(where, pod, container, service):
    """The `migrate` init container: the service's image and database, hardened, bounded."""
    errors = []
    init = [c for c in pod.get("initContainers") or [] if c.get("name") == "migrate"]
    if not init:
        return [f"{where}: no `migrate` init container (the database is migrated before the pods)"]
    migrate = init[0]
    if migrate.get("image") != container.get("image"):
        errors.append(
            f"{where}: the migrate init container runs {migrate.get('image')}, "
            f"the service {container.get('image')}"
        )
    if (migrate.get("args") or []) != ["migrate"] or migrate.get("command"):
        errors.append(f"{where}: the migrate init container must run the image with args [migrate]")
    database = f"LLO_{service.upper()}__DATABASE__URL"
    if env_entry(migrate, database) != env_entry(container, database):
        errors.append(
            f"{where}: the migrate init container's {database} differs from the service's "
            f"({env_entry(migrate, database)} vs {env_entry(container, database)})"
        )
    if migrate.get("envFrom") != container.get("envFrom"):
        errors.append(f"{where}: the migrate init container must read the service's envFrom")
    resources = migrate.get("resources") or {}
    if not resources.get("requests") or not resources.get("limits"):
        errors.append(f"{where}: the migrate init container needs requests and limits")
    if not hardened(migrate):
        errors.append(f"{where}: the migrate init container's hardened security context is missing")
    return errors


def check_services(docs):
    """The suite's own rules for each llo Deployment."""
    errors = []
    by_kind = {}
    for doc in docs:
        by_kind.setdefault(doc["kind"], {})[doc["metadata"]["name"]] = doc
    deployments = {
        name: d
        for name, d in by_kind.get("Deployment", {}).items()
        if d["metadata"].get("labels", {}).get("app.kubernetes.io/part-of") == "llo"
    }
    if not deployments:
        errors.append("no llo Deployment rendered")
    for name, deployment in deployments.items():
        pod = deployment["spec"]["template"]["spec"]
        container = pod["containers"][0]
        service = container["name"]
        where = f"Deployment/{name}"
        live = (container.get("livenessProbe") or {}).get("grpc") or {}
        ready = (container.get("readinessProbe") or {}).get("grpc") or {}
        if live.get("service") != "liveness":
            errors.append(f"{where}: the liveness probe must ask the gRPC health name `liveness`")
        if not re.fullmatch(rf"llo\.{service}\.v1\.\w+Service", ready.get("service") or ""):
            errors.append(f"{where}: the readiness probe must ask llo.{service}.v1.<Name>Service")
        resources = container.get("resources") or {}
        if not resources.get("requests") or not resources.get("limits"):
            errors.append(f"{where}: requests and limits are required")
        if not hardened(container):
            errors.append(f"{where}: the hardened security context is missing")
        errors += check_migrate_init_container(where, pod, container, service)
        if not pod.get("topologySpreadConstraints"):
            errors.append(f"{where}: topologySpreadConstraints are missing")
        pre_stop = (
            ((container.get("lifecycle") or {}).get("preStop") or {}).get("sleep") or {}
        ).get("seconds", 0)
        drain = env_value(container, f"LLO_{service.upper()}__GRPC__SHUTDOWN_GRACE_SECONDS")
        if drain is None:
            errors.append(f"{where}: LLO_{service.upper()}__GRPC__SHUTDOWN_GRACE_SECONDS is not set")
        else:
            grace = pod.get("terminationGracePeriodSeconds", 30)
            if grace <= pre_stop + int(drain):
                errors.append(
                    f"{where}: terminationGracePeriodSeconds {grace} must exceed preStop "
                    f"{pre_stop} s + drain {drain} s"
                )
        if pod.get("serviceAccountName") not in by_kind.get("ServiceAccount", {}):
            errors.append(f"{where}: its ServiceAccount is not rendered")
        selector = deployment["spec"]["selector"]["matchLabels"]
        if not any(
            s["spec"].get("selector") == selector for s in by_kind.get("Service", {}).values()
        ):
            errors.append(f"{where}: no Service selects it")
        if not any(
            p["spec"]["selector"].get("matchLabels") == selector
            for p in by_kind.get("PodDisruptionBudget", {}).values()
        ):
            errors.append(f"{where}: no PodDisruptionBudget covers it")
        if not any(
            h["spec"]["scaleTargetRef"] == {"apiVersion": "apps/v1", "kind": "Deployment", "name": name}
            for h in by_kind.get("HorizontalPodAutoscaler", {}).values()
        ):
            errors.append(f"{where}: no HorizontalPodAutoscaler scales it")
    return errors


def referenced_secrets(node, found):
    """Secret names read through secretKeyRef, secret volumes and operator references."""
    if isinstance(node, dict):
        if "secretKeyRef" in node and isinstance(node["secretKeyRef"], dict):
            found.add(node["secretKeyRef"]["name"])
        if "secret" in node and isinstance(node["secret"], dict) and "secretName" in node["secret"]:
            found.add(node["secret"]["secretName"])
        for key in ("s3Credentials",):
            if key in node:
                for ref in node[key].values():
                    if isinstance(ref, dict) and "name" in ref:
                        found.add(ref["name"])
        if "certificateRefs" in node:
            for ref in node["certificateRefs"]:
                found.add(ref["name"])
        for value in node.values():
            referenced_secrets(value, found)
    elif isinstance(node, list):
        for value in node:
            referenced_secrets(value, found)
    return found


def check_secrets(docs, documented):
    errors = []
    written = {(d["apiVersion"].split("/")[0], d["kind"], d["metadata"]["name"]) for d in docs}
    secrets = set()
    for doc in docs:
        referenced_secrets(doc.get("spec") or {}, secrets)
    for secret in sorted(secrets):
        by_operator = any(
            (m := pattern.match(secret)) and (group, kind, m.group(1)) in written
            for pattern, (group, kind) in OPERATOR_SECRETS
        )
        if not by_operator and secret not in documented:
            errors.append(
                f"Secret {secret} is read but neither written by an operator in this render "
                "nor listed in k8s/README.md"
            )
    return errors, secrets


def main():
    parser = argparse.ArgumentParser()
    parser.add_argument("--crds", required=True)
    parser.add_argument("--k8s-version", action="append", required=True)
    parser.add_argument("--readme", required=True)
    parser.add_argument("rendered", nargs="+")
    args = parser.parse_args()
    crds = load_crds(args.crds)
    with open(args.readme, encoding="utf-8") as f:
        readme = f.read()
    # Only the section that tells a partner which Secrets to create counts.
    section = re.search(r"^## Secrets a partner creates\n(.*?)(?=^## )", readme, re.M | re.S)
    if not section:
        print(f"{args.readme} has no section '## Secrets a partner creates'")
        return 1
    documented = set(re.findall(r"`(llo-[a-z0-9-]+)`", section.group(1)))
    failed = False
    for path in args.rendered:
        with open(path, encoding="utf-8") as f:
            docs = [d for d in yaml.safe_load_all(f) if d]
        errors = validate_schemas(docs, crds, args.k8s_version)
        errors += check_services(docs)
        secret_errors, secrets = check_secrets(docs, documented)
        errors += secret_errors
        label = os.path.basename(path)
        if errors:
            failed = True
            print(f"FAIL {label}: {len(docs)} resources, {len(errors)} problems")
            for error in errors:
                print(f"  {error}")
        else:
            kinds = {}
            for d in docs:
                kinds[d["kind"]] = kinds.get(d["kind"], 0) + 1
            print(
                f"ok   {label}: {len(docs)} resources valid "
                f"(Kubernetes {', '.join(args.k8s_version)}; {len(secrets)} Secrets referenced)"
            )
    return 1 if failed else 0


if __name__ == "__main__":
    sys.exit(main())
