import { readFileSync, readdirSync } from 'node:fs';
import { join } from 'node:path';
import { parse, stringify } from 'yaml';
import type { KubeletConfiguration } from '../config/types.js';
import { KubebootError } from '../util/errors.js';
import { projectRoot } from '../util/package-info.js';
import { checkPod } from './check-pod.js';
import type { ComponentPod } from './components.js';
import { createTemplateEngine, rawMustaches } from './helpers.js';

type Template = (context: object) => string;

const templatesDir = join(projectRoot, 'templates');
let compiled: Map<string, Template> | undefined;

/** Loads templates/*.hbs and their partials once, refusing any that pastes a raw value. */
function templates(): Map<string, Template> {
  if (compiled) return compiled;
  const engine = createTemplateEngine();
  const load = (file: string) => {
    const source = readFileSync(file, 'utf8');
    const raw = rawMustaches(source);
    if (raw.length > 0) throw new Error(`${file}: values must go through a quoting helper (q, int, json); raw: ${raw.join(', ')}`);
    return source;
  };
  for (const file of readdirSync(join(templatesDir, 'partials'))) {
    engine.registerPartial(file.replace(/\.hbs$/, ''), load(join(templatesDir, 'partials', file)));
  }
  compiled = new Map();
  for (const file of readdirSync(templatesDir).filter((name) => name.endsWith('.yaml.hbs'))) {
    compiled.set(file.replace(/\.yaml\.hbs$/, ''), engine.compile(load(join(templatesDir, file)), { strict: true, noEscape: true }));
  }
  return compiled;
}

/** YAML the way kubeadm's sigs.k8s.io/yaml writes it: keys sorted, list items not indented. */
export function kubeadmYaml(value: unknown): string {
  return stringify(value, { sortMapEntries: true, indentSeq: false, lineWidth: 0 });
}

function renderTemplate(name: string, context: object): unknown {
  const template = templates().get(name);
  if (!template) throw new Error(`internal: no template ${name}.yaml.hbs in ${templatesDir}`);
  const text = template(context);
  try {
    return parse(text, { uniqueKeys: true });
  } catch (err) {
    throw new KubebootError(`the ${name} manifest rendered to text that is not YAML (${(err as Error).message.split('\n')[0]}); nothing was written`);
  }
}

/** Renders one static pod's template and parses the text back (the document, not yet checked as a Pod). */
export function renderPodDocument(pod: ComponentPod): unknown {
  return renderTemplate(pod.component, pod);
}

/** Renders one static pod, parses it back and checks it as a Pod; returns the manifest text. */
export function renderStaticPod(pod: ComponentPod): string {
  return checkedPodYaml(pod.component, renderPodDocument(pod));
}

/** A static pod document (rendered, perhaps patched) checked as the API server checks a Pod, as manifest text. */
export function checkedPodYaml(component: string, document: unknown): string {
  const problems = checkPod(document);
  if (problems.length > 0) {
    throw new KubebootError(`the ${component} manifest is not a valid Pod; nothing was written`, { details: problems.map((p) => `${component}: ${p}`) });
  }
  return kubeadmYaml(document);
}

export function renderKubeletConfigurationDocument(kubelet: KubeletConfiguration): unknown {
  const { apiVersion: _apiVersion, kind: _kind, ...fields } = kubelet;
  return renderTemplate('kubelet-config', { fields });
}

export function renderKubeletConfiguration(kubelet: KubeletConfiguration): string {
  return kubeadmYaml(renderKubeletConfigurationDocument(kubelet));
}

