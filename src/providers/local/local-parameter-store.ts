// The local provider's secret store: one file of mode 0600 per parameter, at the SSM name under HANDOFF_HOME/parameters.
import { lstat, readFile, readdir, rmdir, unlink } from 'node:fs/promises';
import path from 'node:path';
import { UserError } from '../../errors.js';
import type { ParameterStore, StoredParameter } from '../provider.js';
import { TEMP_SUFFIX, writeFileAtomic } from './write-file-atomic.js';

/** Only the owner may read secrets or even list which exist. */
const FILE_MODE = 0o600;
const DIR_MODE = 0o700;

export function createLocalParameterStore(parametersDir: string): ParameterStore {
  const toPath = (name: string): string => {
    const parts = name.split('/').filter((p) => p !== '');
    if (!name.startsWith('/') || parts.length === 0 || parts.some((p) => p === '..' || p === '.')) {
      throw new UserError(`"${name}" is not a valid parameter name`, { fix: 'parameter names look like /handoff/<RG>/<task>/<key>' });
    }
    return path.join(parametersDir, ...parts);
  };

  return {
    async put(name, value) {
      const file = toPath(name);
      // SSM lets /a/b and /a/b/c coexist; a folder cannot also be a file, so say which names collide.
      const stat = await lstat(file).catch(() => undefined);
      if (stat?.isDirectory()) {
        throw new UserError(`cannot store the secret ${name} in the local store: ${file} is a folder of other secrets`, {
          fix: 'a resource-group-level secret cannot have the same name as a task of the resource group; rename the secret',
        });
      }
      let parent = path.dirname(file);
      while (parent.startsWith(parametersDir + path.sep)) {
        const p = await lstat(parent).catch(() => undefined);
        if (p && !p.isDirectory()) {
          throw new UserError(`cannot store the secret ${name} in the local store: ${parent} is a resource-group-level secret`, {
            fix: 'a resource-group-level secret cannot have the same name as a task of the resource group; rename that secret',
          });
        }
        parent = path.dirname(parent);
      }
      await writeFileAtomic(file, value, { mode: FILE_MODE, dirMode: DIR_MODE });
    },
    async listByPath(folderName) {
      const dir = toPath(folderName);
      let names: string[];
      try {
        names = await readdir(dir);
      } catch (error) {
        const code = (error as NodeJS.ErrnoException).code;
        if (code === 'ENOENT' || code === 'ENOTDIR') return [];
        throw new Error(`list the secrets in ${dir}`, { cause: error });
      }
      const found: StoredParameter[] = [];
      for (const name of names.sort()) {
        if (name.endsWith(TEMP_SUFFIX)) continue;
        const file = path.join(dir, name);
        const stat = await lstat(file);
        if (!stat.isFile()) continue;
        found.push({ name: `${folderName.replace(/\/+$/, '')}/${name}`, value: await readFile(file, 'utf8') });
      }
      return found;
    },
    async delete(names) {
      const deleted: string[] = [];
      const missing: string[] = [];
      for (const name of names) {
        const file = toPath(name);
        const stat = await lstat(file).catch(() => undefined);
        if (!stat?.isFile()) {
          missing.push(name);
          continue;
        }
        // unlink, not rm: a file the system refuses to remove (EPERM, EROFS) is reported as such, not as a folder rm failed to read.
        await unlink(file).catch((error: NodeJS.ErrnoException) => {
          if (error.code !== 'ENOENT') throw error;
        });
        deleted.push(name);
        let dir = path.dirname(file);
        while (dir.startsWith(parametersDir + path.sep)) {
          try {
            await rmdir(dir);
          } catch {
            break;
          }
          dir = path.dirname(dir);
        }
      }
      return { deleted, missing };
    },
    describe(name) {
      return toPath(name);
    },
  };
}
