import { MANAGED_BY, PART_OF } from '../model/contract';
import { selectorLabels } from '../model/labels';

/** Labels of the GitOps controller objects (they run no pods, so they carry no version). */
export function deliveryLabels(): Record<string, string> {
  return {
    ...selectorLabels({}),
    'app.kubernetes.io/component': 'delivery',
    'app.kubernetes.io/part-of': PART_OF,
    'app.kubernetes.io/managed-by': MANAGED_BY,
  };
}
