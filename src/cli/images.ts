import { Argument, Command } from 'commander';
import { withExamples } from './help.js';

/** `kubeboot images save|load`: Docker's save format, for nodes that cannot reach a registry. */
export function imagesCommand(): Command {
  const save = new Command('save')
    .description("write the control-plane images of a configuration (or the images named) to one tar file, in Docker's save format")
    .requiredOption('-o, --output <file>', 'the tar file to write')
    .option('--config <file>', 'a kubeadm-format configuration file: its control-plane images')
    .addArgument(new Argument('[image...]', 'images to save instead of the configuration’s'))
    .action(async (names: string[], options: { output: string; config?: string }) => {
      const { connectRuntime } = await import('../runtime/connect.js');
      const { saveImagesForUser } = await import('../runtime/image-policy.js');
      let images = names;
      if (images.length === 0) {
        const { loadConfig } = await import('../config/load.js');
        const { controlPlaneImages } = await import('../config/images.js');
        const { config } = await loadConfig({ ...(options.config ? { file: options.config } : {}), host: { hostname: 'node', defaultAddress: '127.0.0.1' } });
        images = controlPlaneImages(config.cluster).map((i) => i.image);
      }
      await saveImagesForUser(await connectRuntime(), images, options.output);
      process.stdout.write(`[images] Saved ${images.length} images to ${options.output}: ${images.join(' ')}\n`);
    });
  const load = new Command('load')
    .description("load images from tar files in Docker's save format (made by kubeboot images save or docker save)")
    .addArgument(new Argument('<file...>', 'tar files'))
    .action(async (files: string[]) => {
      const { connectRuntime } = await import('../runtime/connect.js');
      const runtime = await connectRuntime();
      for (const file of files) {
        const loaded = await runtime.loadImages(file);
        process.stdout.write(`[images] Loaded from ${file}: ${loaded.join(' ') || '(nothing)'}\n`);
      }
    });
  const images = new Command('images')
    .description('carry control-plane images to a node without a registry')
    .addCommand(withExamples(save, [['kubeboot images save -o bundle.tar --config kubeboot.yaml', 'on a machine that has (or can pull) the images']]))
    .addCommand(withExamples(load, [['kubeboot images load bundle.tar', 'on the air-gapped node, before kubeboot init']]));
  return withExamples(images, [['kubeboot images save -o bundle.tar --config kubeboot.yaml && scp bundle.tar node:', 'then on the node: kubeboot images load bundle.tar']]);
}
