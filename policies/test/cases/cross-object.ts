/** Cases of the rules that judge objects together (HPA, PDB, selectors, NetworkPolicies). */
import { podOf, set, unset } from '../fixtures';
import type { RuleCase } from './types';

const D = 'Deployment/shop';
const ENV = 'metadata.labels["user-platform.example.com/environment"]';

export const crossObjectCases: readonly RuleCase[] = [
  {
    rule: 'hpa-no-static-replicas',
    name: 'spec.replicas under an HPA',
    mutate: (f) => set(f.deployment, 'spec.replicas', 3),
    expect: [`${D} spec.replicas`],
  },
  {
    rule: 'hpa-no-static-replicas',
    name: 'spec.replicas without an HPA passes',
    mutate: (f) => {
      set(f.deployment, 'spec.replicas', 3);
      f.all.splice(f.all.indexOf(f.hpa), 1);
    },
    expect: [],
  },
  {
    rule: 'hpa-replica-range',
    name: 'max not above min, min 1 in prod',
    mutate: (f) => {
      set(f.hpa, 'spec.minReplicas', 1);
      set(f.hpa, 'spec.maxReplicas', 1);
    },
    expect: [
      'HorizontalPodAutoscaler/shop-hpa spec.maxReplicas',
      'HorizontalPodAutoscaler/shop-hpa spec.minReplicas',
    ],
  },
  {
    rule: 'hpa-replica-range',
    name: 'minReplicas defaults to 1 (staging)',
    mutate: (f) => {
      unset(f.hpa, 'spec.minReplicas');
      set(f.namespace, ENV, 'staging');
    },
    expect: ['HorizontalPodAutoscaler/shop-hpa spec.minReplicas'],
  },
  {
    rule: 'hpa-replica-range',
    name: 'one replica in dev passes',
    mutate: (f) => {
      set(f.hpa, 'spec.minReplicas', 1);
      set(f.namespace, ENV, 'dev');
    },
    expect: [],
  },
  {
    rule: 'pdb-required',
    name: 'HPA minimum of 3 and no PDB',
    mutate: (f) => f.all.splice(f.all.indexOf(f.pdb), 1),
    expect: [`${D} spec.template.metadata.labels`],
  },
  {
    rule: 'pdb-required',
    name: 'two static replicas and a PDB for other pods',
    mutate: (f) => {
      f.all.splice(f.all.indexOf(f.hpa), 1);
      set(f.deployment, 'spec.replicas', 2);
      set(f.pdb, 'spec.selector.matchLabels', { 'app.kubernetes.io/name': 'other' });
    },
    expect: [`${D} spec.template.metadata.labels`],
  },
  {
    rule: 'pdb-required',
    name: 'a single replica needs no PDB',
    mutate: (f) => {
      set(f.hpa, 'spec.minReplicas', 1);
      f.all.splice(f.all.indexOf(f.pdb), 1);
    },
    expect: [],
  },
  {
    rule: 'pdb-allows-disruption',
    name: 'minAvailable equal to the HPA minimum',
    mutate: (f) => {
      unset(f.pdb, 'spec.maxUnavailable');
      set(f.pdb, 'spec.minAvailable', 3);
    },
    expect: ['PodDisruptionBudget/shop-pdb spec.minAvailable'],
  },
  {
    rule: 'pdb-allows-disruption',
    name: 'minAvailable 100%',
    mutate: (f) => {
      unset(f.pdb, 'spec.maxUnavailable');
      set(f.pdb, 'spec.minAvailable', '100%');
    },
    expect: ['PodDisruptionBudget/shop-pdb spec.minAvailable'],
  },
  {
    rule: 'pdb-allows-disruption',
    name: 'maxUnavailable 0',
    mutate: (f) => set(f.pdb, 'spec.maxUnavailable', 0),
    expect: ['PodDisruptionBudget/shop-pdb spec.maxUnavailable'],
  },
  {
    rule: 'pdb-allows-disruption',
    name: 'neither field',
    mutate: (f) => unset(f.pdb, 'spec.maxUnavailable'),
    expect: ['PodDisruptionBudget/shop-pdb spec'],
  },
  {
    rule: 'pdb-allows-disruption',
    name: 'minAvailable below the HPA minimum passes (2 of 3, and 50% of 3)',
    mutate: (f) => {
      unset(f.pdb, 'spec.maxUnavailable');
      set(f.pdb, 'spec.minAvailable', 2);
      const second = structuredClone(f.pdb);
      set(second, 'metadata.name', 'shop-pdb-percent');
      set(second, 'spec.minAvailable', '50%');
      f.all.push(second);
    },
    expect: [],
  },
  {
    rule: 'selector-targets-exist',
    name: 'Service, PDB and NetworkPolicy select nothing; HPA scales a missing Deployment',
    mutate: (f) => {
      set(f.service, 'spec.selector', { 'app.kubernetes.io/name': 'shopp' });
      set(f.pdb, 'spec.selector.matchLabels', { 'app.kubernetes.io/name': 'shopp' });
      set(f.workloadPolicy, 'spec.podSelector.matchLabels', { 'app.kubernetes.io/name': 'shopp' });
      set(f.hpa, 'spec.scaleTargetRef.name', 'shopp');
    },
    expect: [
      'HorizontalPodAutoscaler/shop-hpa spec.scaleTargetRef',
      'NetworkPolicy/shop spec.podSelector',
      'PodDisruptionBudget/shop-pdb spec.selector',
      'Service/shop spec.selector',
    ],
  },
  {
    rule: 'selector-targets-exist',
    name: 'HPA kind must match too',
    mutate: (f) => set(f.hpa, 'spec.scaleTargetRef.kind', 'StatefulSet'),
    expect: ['HorizontalPodAutoscaler/shop-hpa spec.scaleTargetRef'],
  },
  {
    rule: 'service-target-port',
    name: 'unknown port name and number',
    mutate: (f) => {
      set(f.service, 'spec.ports[0].targetPort', 'grcp');
      set(f.service, 'spec.ports[1].targetPort', 8081);
    },
    expect: ['Service/shop spec.ports[0].targetPort', 'Service/shop spec.ports[1].targetPort'],
  },
  {
    rule: 'service-target-port',
    name: 'targetPort defaults to port',
    mutate: (f) => unset(f.service, 'spec.ports[1].targetPort'),
    expect: ['Service/shop spec.ports[1].targetPort'],
  },
  {
    rule: 'network-policy-coverage',
    name: 'only ingress isolation',
    mutate: (f) => {
      f.all.splice(f.all.indexOf(f.defaultDeny), 1);
      set(f.workloadPolicy, 'spec.policyTypes', ['Ingress']);
    },
    expect: [`${D} spec.template.metadata.labels`],
  },
  {
    rule: 'network-policy-coverage',
    name: 'policyTypes default to Ingress plus Egress when egress rules exist',
    mutate: (f) => {
      f.all.splice(f.all.indexOf(f.defaultDeny), 1);
      unset(f.workloadPolicy, 'spec.policyTypes');
    },
    expect: [],
  },
  {
    rule: 'workload-host-spread',
    name: 'no spreading for 3 pods',
    mutate: (f) => unset(podOf(f.deployment), 'topologySpreadConstraints'),
    expect: [`${D} spec.template.spec.topologySpreadConstraints`],
  },
  {
    rule: 'workload-host-spread',
    name: 'zone spreading only is not enough',
    mutate: (f) =>
      set(
        podOf(f.deployment),
        'topologySpreadConstraints[0].topologyKey',
        'topology.kubernetes.io/zone',
      ),
    expect: [`${D} spec.template.spec.topologySpreadConstraints`],
  },
  {
    rule: 'workload-host-spread',
    name: 'preferred pod anti-affinity on the hostname passes',
    mutate: (f) => {
      unset(podOf(f.deployment), 'topologySpreadConstraints');
      set(
        podOf(f.deployment),
        'affinity.podAntiAffinity.preferredDuringSchedulingIgnoredDuringExecution',
        [
          {
            weight: 100,
            podAffinityTerm: {
              topologyKey: 'kubernetes.io/hostname',
              labelSelector: {
                matchExpressions: [
                  { key: 'app.kubernetes.io/name', operator: 'In', values: ['shop'] },
                ],
              },
            },
          },
        ],
      );
    },
    expect: [],
  },
];
