import { APP_NAME, MANAGED_BY, PART_OF } from './contract';

/** The `app.kubernetes.io/*` labels of one component of the platform. */
export interface ComponentLabelsProps {
  /**
   * `app.kubernetes.io/name`: what the component is.
   * @default 'user-service'
   */
  readonly name?: string;
  /**
   * `app.kubernetes.io/instance`: equals the workload's object name (Polaris checks it).
   * @default the name
   */
  readonly instance?: string;
  /** `app.kubernetes.io/version`: the version of the component that runs. */
  readonly version: string;
  /** `app.kubernetes.io/component`: its role in the system, for example `api`. */
  readonly component: string;
}

/** Labels that select the pods of a component. Never change them once released (rule 4). */
export function selectorLabels(props: Pick<ComponentLabelsProps, 'name' | 'instance'>) {
  const name = props.name ?? APP_NAME;
  return {
    'app.kubernetes.io/name': name,
    'app.kubernetes.io/instance': props.instance ?? name,
  };
}

/** Every recommended label: selector labels plus version, component, part-of and managed-by. */
export function componentLabels(props: ComponentLabelsProps): Record<string, string> {
  return {
    ...selectorLabels(props),
    'app.kubernetes.io/version': props.version,
    'app.kubernetes.io/component': props.component,
    'app.kubernetes.io/part-of': PART_OF,
    'app.kubernetes.io/managed-by': MANAGED_BY,
  };
}
