/** apimachinery's name rules (k8s.io/apimachinery/pkg/util/validation), shared by the configuration's checks and the Pod checks. */
export const DNS1123_LABEL = /^[a-z0-9]([-a-z0-9]*[a-z0-9])?$/;
export const DNS1123_SUBDOMAIN = /^[a-z0-9]([-a-z0-9]*[a-z0-9])?(\.[a-z0-9]([-a-z0-9]*[a-z0-9])?)*$/;
/** The API server's label value and the name part of a qualified name. */
export const LABEL_VALUE = /^[A-Za-z0-9]([-A-Za-z0-9_.]*[A-Za-z0-9])?$/;

/** IsDNS1123Subdomain: at most 253 characters. */
export function isDnsSubdomain(text: string): boolean {
  return text.length <= 253 && DNS1123_SUBDOMAIN.test(text);
}

/** IsDNS1123Label: at most 63 characters. */
export function isDnsLabel(text: string): boolean {
  return text.length <= 63 && DNS1123_LABEL.test(text);
}

/** IsQualifiedName: `[prefix/]name`, name at most 63 characters, prefix a DNS-1123 subdomain. */
export function isQualifiedName(text: string): boolean {
  const parts = text.split('/');
  if (parts.length > 2) return false;
  const name = parts[parts.length - 1]!;
  const prefix = parts.length === 2 ? parts[0]! : undefined;
  if (prefix !== undefined && (prefix.length === 0 || !isDnsSubdomain(prefix))) return false;
  return name.length > 0 && name.length <= 63 && LABEL_VALUE.test(name);
}
