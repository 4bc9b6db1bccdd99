/** Cases of the exemption annotations. */
import { set } from '../fixtures';
import type { RuleCase } from './types';

const KEY = 'exempt.user-platform.example.com/';

export const exemptionCases: readonly RuleCase[] = [
  {
    rule: 'exemption-valid',
    name: 'unknown rule and a missing reason',
    mutate: (f) =>
      set(f.deployment, 'metadata.annotations', {
        [`${KEY}no-such-rule`]: 'because we said so',
        [`${KEY}image-tag`]: 'ok',
      }),
    expect: [
      `Deployment/shop metadata.annotations["${KEY}image-tag"]`,
      `Deployment/shop metadata.annotations["${KEY}no-such-rule"]`,
    ],
  },
  {
    rule: 'exemption-valid',
    name: 'the exemption rule cannot exempt itself',
    mutate: (f) =>
      set(f.deployment, 'metadata.annotations', {
        [`${KEY}exemption-valid`]: 'trying to silence the exemption check',
      }),
    expect: [`Deployment/shop metadata.annotations["${KEY}exemption-valid"]`],
  },
  {
    rule: 'image-tag',
    name: 'a written exemption waives the rule for that object',
    mutate: (f) => {
      set(
        f.deployment,
        'spec.template.spec.containers[0].image',
        'registry.example.com/shop:latest',
      );
      set(f.deployment, 'metadata.annotations', {
        [`${KEY}image-tag`]: 'vendor image only published as latest; pinned by digest upstream',
      });
    },
    expect: [],
  },
  {
    rule: 'image-tag',
    name: 'an exemption without a reason waives nothing',
    mutate: (f) => {
      set(
        f.deployment,
        'spec.template.spec.containers[0].image',
        'registry.example.com/shop:latest',
      );
      set(f.deployment, 'metadata.annotations', { [`${KEY}image-tag`]: ' ' });
    },
    expect: ['Deployment/shop spec.template.spec.containers[0].image'],
  },
];
