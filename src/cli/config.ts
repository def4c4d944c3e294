import { Command, Option } from 'commander';
import { stringify } from 'yaml';
import { withExamples } from './help.js';
import { outputOption } from './output-format.js';
import { printConfigWarnings } from './config-warnings.js';
import { UsageError } from '../util/errors.js';

/** Facts that do not matter for commands that only read images or print: never detect them there. */
const NEUTRAL_HOST = { hostname: 'node', defaultAddress: '1.2.3.4' };

/** The images of the configuration `config images list|pull` names, with their version/registry flags. */
async function imagesOf(options: { config?: string; kubernetesVersion?: string; imageRepository?: string }): Promise<string[]> {
  const { loadConfig } = await import('../config/load.js');
  const { controlPlaneImages } = await import('../config/images.js');
  const { config: loaded, warnings } = await loadConfig({
    ...(options.config ? { file: options.config } : {}),
    flags: {
      ...(options.kubernetesVersion ? { kubernetesVersion: options.kubernetesVersion } : {}),
      ...(options.imageRepository ? { imageRepository: options.imageRepository } : {}),
    },
    host: NEUTRAL_HOST,
  });
  printConfigWarnings(warnings);
  return controlPlaneImages(loaded.cluster).map((entry) => entry.image);
}

export function configCommand(): Command {
  const config = new Command('config').description('print, check, migrate kubeadm-format configuration files and list their images');

  const printCmd = new Command('print').description('print a configuration');
  printCmd.addCommand(
    withExamples(
      new Command('init-defaults')
        .description("print kubeadm's default InitConfiguration and ClusterConfiguration, a starting point for --config")
        .addOption(
          new Option('--component-configs <kinds>', 'also print these component configs (comma-separated)').argParser((value) =>
            value.split(',').map((kind) => kind.trim()).filter(Boolean),
          ),
        )
        .action(async (options: { componentConfigs?: string[] }) => {
          const { COMPONENT_CONFIG_KINDS, initDefaultsDocuments } = await import('../config/print-defaults.js');
          const { omitEmpty, toYamlDocuments } = await import('../config/serialize.js');
          const kinds = options.componentConfigs ?? [];
          const unknown = kinds.filter((kind) => !(COMPONENT_CONFIG_KINDS as readonly string[]).includes(kind));
          if (unknown.length > 0) {
            throw new UsageError(`--component-configs: unknown kind ${unknown.join(', ')}; expected ${COMPONENT_CONFIG_KINDS.join(', ')}`);
          }
          process.stdout.write(toYamlDocuments(initDefaultsDocuments(kinds).map(omitEmpty)));
        }),
      [
        ['kubeboot config print init-defaults > kubeboot.yaml', 'start a config file from the defaults'],
        ['kubeboot config print init-defaults --component-configs KubeletConfiguration', 'include the KubeletConfiguration'],
      ],
    ),
  );
  printCmd.addCommand(
    withExamples(
      new Command('join-defaults').description("print kubeadm's default JoinConfiguration (with the controlPlane section kubeboot join needs), a starting point for join --config").action(async () => {
        const { joinDefaultsDocument } = await import('../config/join-config.js');
        const { toYamlDocuments } = await import('../config/serialize.js');
        process.stdout.write(toYamlDocuments([joinDefaultsDocument()]));
      }),
      [['kubeboot config print join-defaults > join.yaml', 'start a JoinConfiguration for kubeboot join --config']],
    ),
  );
  config.addCommand(printCmd);

  config.addCommand(
    withExamples(
      new Command('validate')
        .description('check a configuration file: every problem with file, line, column and field; exit 0 when valid, 1 when not')
        .requiredOption('--config <file>', 'the kubeadm-format configuration file')
        .action(async (options: { config: string }) => {
          // A JoinConfiguration file is checked as join reads it; the init kinds as init does.
          // The init kinds' loader is fetched while the file is read (the usual case); join-config.js only when needed.
          const initLoader = import('../config/load.js');
          const { holdsJoinConfiguration } = await import('../config/read-file.js');
          if (await holdsJoinConfiguration(options.config)) {
            const { loadJoinConfiguration } = await import('../config/join-config.js');
            printConfigWarnings((await loadJoinConfiguration(options.config)).warnings);
            process.stdout.write(`ok: ${options.config} is a valid JoinConfiguration\n`);
            return;
          }
          const { loadConfig } = await initLoader;
          const loaded = await loadConfig({ file: options.config, keepErrors: true });
          // With what init refuses beyond the file's own rules: phase names, patches, the rendered manifests.
          const { checkInitConfiguration, refuseProblems } = await import('../phases/init/check-config.js');
          const { Host } = await import('../util/host.js');
          const { problems } = await checkInitConfiguration(loaded, await Host.open(undefined));
          refuseProblems(loaded, problems);
          printConfigWarnings(problems);
          process.stdout.write(`ok: ${options.config} is a valid configuration\n`);
        }),
      [['kubeboot config validate --config kubeboot.yaml', 'check a file before running init']],
    ),
  );

  const images = new Command('images').description('the images a control plane of this configuration runs');
  images.addCommand(
    withExamples(
      new Command('list')
        .description('list the images for etcd, kube-apiserver, kube-controller-manager, kube-scheduler and pause')
        .option('--config <file>', 'a kubeadm-format configuration file')
        .option('--kubernetes-version <version>', 'the Kubernetes version (overrides the config)')
        .option('--image-repository <repository>', 'the registry to take the images from (overrides the config)')
        .addOption(outputOption(['text', 'json', 'yaml']))
        .action(async (options: { config?: string; kubernetesVersion?: string; imageRepository?: string; output: string }) => {
          const list = await imagesOf(options);
          if (options.output === 'text') {
            process.stdout.write(`${list.join('\n')}\n`);
          } else {
            const document = { kind: 'Images', apiVersion: 'output.kubeadm.k8s.io/v1alpha3', images: list };
            process.stdout.write(options.output === 'json' ? `${JSON.stringify(document, null, 2)}\n` : stringify(document));
          }
        }),
      [
        ['kubeboot config images list', 'the default images'],
        ['kubeboot config images list --config kubeboot.yaml -o json', 'the images of a config, for scripts'],
        ['kubeboot config images list --image-repository kubeboot.local --kubernetes-version v1.33.4', 'another registry and version'],
      ],
    ),
  );
  images.addCommand(
    withExamples(
      new Command('pull')
        .description('pull the images a control plane of this configuration runs (init does it too, for the missing ones)')
        .option('--config <file>', 'a kubeadm-format configuration file')
        .option('--kubernetes-version <version>', 'the Kubernetes version (overrides the config)')
        .option('--image-repository <repository>', 'the registry to take the images from (overrides the config)')
        .action(async (options: { config?: string; kubernetesVersion?: string; imageRepository?: string }) => {
          const { pullImageForUser } = await import('../runtime/image-policy.js');
          const { connectRuntime } = await import('../runtime/connect.js');
          const runtime = await connectRuntime();
          for (const image of await imagesOf(options)) {
            const present = await runtime.imagePresent(image);
            if (!present) await pullImageForUser(runtime, image);
            process.stdout.write(`[config/images] ${present ? 'Present' : 'Pulled'} ${image}\n`);
          }
        }),
      [
        ['kubeboot config images pull --config kubeboot.yaml', 'before init, on a node that reaches the registry'],
        ['kubeboot images save -o bundle.tar --config kubeboot.yaml', 'then, for air-gapped nodes: carry bundle.tar over and `kubeboot images load bundle.tar`'],
      ],
    ),
  );
  config.addCommand(images);

  config.addCommand(
    withExamples(
      new Command('migrate')
        .description('convert a v1beta3 kubeadm configuration file to v1beta4 (other documents are kept as they are)')
        .requiredOption('--old-config <file>', 'the file to convert')
        .option('--new-config <file>', 'write the result here instead of printing it')
        .action(async (options: { oldConfig: string; newConfig?: string }) => {
          const { loadConfig } = await import('../config/load.js');
          const { migrateConfig } = await import('../config/migrate.js');
          const [{ holdsJoinConfiguration }, { loadJoinConfiguration }] = await Promise.all([import('../config/read-file.js'), import('../config/join-config.js')]);
          const { warnings } = (await holdsJoinConfiguration(options.oldConfig)) ? await loadJoinConfiguration(options.oldConfig) : await loadConfig({ file: options.oldConfig, host: NEUTRAL_HOST });
          printConfigWarnings(warnings);
          const migrated = await migrateConfig(options.oldConfig);
          if (options.newConfig) {
            const { writeFileAtomic } = await import('../util/atomic-write.js');
            await writeFileAtomic(options.newConfig, migrated, { mode: 0o600 });
            process.stderr.write(`wrote ${options.newConfig}\n`);
          } else {
            process.stdout.write(migrated);
          }
        }),
      [
        ['kubeboot config migrate --old-config old.yaml', 'print the v1beta4 form'],
        ['kubeboot config migrate --old-config old.yaml --new-config new.yaml', 'write it to a file'],
      ],
    ),
  );
  return withExamples(config, [
    ['kubeboot config print init-defaults', 'the defaults'],
    ['kubeboot config validate --config kubeboot.yaml', 'check a file'],
  ]);
}
