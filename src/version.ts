// The handoff version and build, injected by the build (scripts/build.mjs): package.json's version, a source hash.
declare const HANDOFF_VERSION: string;
declare const HANDOFF_BUILD_ID: string;

export const VERSION: string = typeof HANDOFF_VERSION === 'string' ? HANDOFF_VERSION : '0.0.0-dev';

/** A hash of the sources the build was made from; undefined when running from source (tests), which caches nothing. */
export const BUILD_ID: string | undefined = typeof HANDOFF_BUILD_ID === 'string' ? HANDOFF_BUILD_ID : undefined;
