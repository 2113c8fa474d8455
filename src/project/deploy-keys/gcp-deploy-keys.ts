// The `deploy` keys only the Google Cloud provider (Cloud Run jobs) reads.

export const gcpDeployKeys = {};
