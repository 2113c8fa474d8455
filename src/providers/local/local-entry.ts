// The local provider's registry entry: opened on demand; a container reaches its store through a mounted HANDOFF_HOME.
import fs from 'node:fs';
import { UserError } from '../../errors.js';
import type { ProviderEntry } from '../provider-registry.js';
import { resolveHandoffHome } from './handoff-home.js';

/** Where `container run` mounts the local store inside the container. */
export const CONTAINER_HANDOFF_HOME = '/handoff-home';

export const localProviderEntry: ProviderEntry = {
  name: 'local',
  async open(target, options) {
    const { createLocalProvider } = await import('./local-provider.js');
    return createLocalProvider(target, options);
  },
  containerAccess({ env, project }) {
    const home = resolveHandoffHome(env);
    if (!fs.existsSync(home.dir)) {
      throw new UserError(`the local store ${home.dir} does not exist, so the container has nothing to run`, {
        fix: `push the project to it first: handoff project push -p ${project.dir} (HANDOFF_HOME chooses the folder)`,
      });
    }
    // A `-v` spec is split at `:`, so such a folder would reach the CLI as an unknown option ("invalid option type").
    if (home.dir.includes(':')) {
      throw new UserError(`the local store ${home.dir} (HANDOFF_HOME) has a ":" in its path, which a container volume (-v) cannot mount`, {
        fix: `give it a path without ":", e.g. a symbolic link to it: ln -s '${home.dir}' ~/handoff-home && export HANDOFF_HOME=~/handoff-home`,
      });
    }
    return { env: { HANDOFF_HOME: CONTAINER_HANDOFF_HOME }, mounts: [`${home.dir}:${CONTAINER_HANDOFF_HOME}`], hostNetwork: false, notices: [] };
  },
};
