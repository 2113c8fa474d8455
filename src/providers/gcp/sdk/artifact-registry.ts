// Artifact Registry through @google-cloud/artifact-registry: the Docker repository of the images, their tags, and a registry login.
import type { GoogleAuth } from 'google-auth-library';
import { ArtifactRegistryClient } from '@google-cloud/artifact-registry';
import { toGaxOptions, type GcpClientConfig } from './gcp-client-config.js';
import { callGcp, isAlreadyExists, isNotFound } from './gcp-errors.js';

export interface ArtifactRegistryApi {
  /** Creates the Docker repository (immutable tags) when missing; true when it was made now. */
  ensureRepository(name: string, labels: Record<string, string>): Promise<boolean>;
  /** The image's tags; undefined when the repository does not exist. */
  listTags(repositoryName: string, image: string): Promise<string[] | undefined>;
  close(): Promise<void>;
}

export function createArtifactRegistryApi(config: GcpClientConfig, auth: GoogleAuth): ArtifactRegistryApi {
  const client = new ArtifactRegistryClient(toGaxOptions(config, auth));
  return {
    ensureRepository: (name, labels) =>
      callGcp(`create the Artifact Registry repository ${name}`, async () => {
        try {
          await client.getRepository({ name });
          return false;
        } catch (error) {
          if (!isNotFound(error)) throw error;
        }
        const parent = name.slice(0, name.lastIndexOf('/repositories/'));
        const repositoryId = name.slice(name.lastIndexOf('/') + 1);
        try {
          const [operation] = await client.createRepository({
            parent,
            repositoryId,
            repository: { format: 'DOCKER', description: 'Images of handoff projects (handoff container push)', labels, dockerConfig: { immutableTags: true } },
          });
          await operation.promise();
          return true;
        } catch (error) {
          // Made by another push at the same moment: it exists, which is what was asked.
          if (isAlreadyExists(error)) return false;
          throw error;
        }
      }),
    listTags: (repositoryName, image) =>
      callGcp(`list the tags of ${image}`, async () => {
        try {
          await client.getRepository({ name: repositoryName });
        } catch (error) {
          if (isNotFound(error)) return undefined;
          throw error;
        }
        // Package ids are the image path with `/` escaped (Artifact Registry REST reference, packages).
        const [tags] = await client.listTags({ parent: `${repositoryName}/packages/${encodeURIComponent(image)}` }).catch((error: unknown) => {
          if (isNotFound(error)) return [[]] as const;
          throw error;
        });
        return tags.map((t) => (t.name ?? '').slice((t.name ?? '').lastIndexOf('/') + 1)).filter(Boolean);
      }),
    close: () => client.close(),
  };
}

/** A login for `docker|podman login -u oauth2accesstoken --password-stdin` (Artifact Registry, "Access token"). */
export async function getRegistryLogin(auth: GoogleAuth): Promise<{ username: string; password: string }> {
  return callGcp('get an access token for Artifact Registry', async () => {
    const token = await auth.getAccessToken();
    if (!token) throw new Error('the credentials gave no access token');
    return { username: 'oauth2accesstoken', password: token };
  });
}
