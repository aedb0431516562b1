/** A rendered Kubernetes object as the tests read it (parsed YAML; fields beyond the head are loose). */
export interface K8sObject {
  apiVersion: string;
  kind: string;
  metadata: { name: string; namespace?: string; labels?: Record<string, string>; annotations?: Record<string, string> };
  spec?: any;
  data?: Record<string, string>;
  stringData?: Record<string, string>;
  [k: string]: any;
}
