// The Google Cloud regions Cloud Run jobs run in, so a misspelt region is found in project.yml, not by a failed deploy.

/**
 * Cloud Run locations (Cloud Run documentation, "Cloud Run locations", tier 1 and tier 2 pricing). Google adds regions
 * over time, so a well-formed region missing here is a warning, not an error; a malformed one is an error.
 */
export const CLOUD_RUN_REGIONS: readonly string[] = [
  'africa-south1',
  'asia-east1',
  'asia-east2',
  'asia-northeast1',
  'asia-northeast2',
  'asia-northeast3',
  'asia-south1',
  'asia-south2',
  'asia-southeast1',
  'asia-southeast2',
  'australia-southeast1',
  'australia-southeast2',
  'europe-central2',
  'europe-north1',
  'europe-north2',
  'europe-southwest1',
  'europe-west1',
  'europe-west10',
  'europe-west12',
  'europe-west2',
  'europe-west3',
  'europe-west4',
  'europe-west6',
  'europe-west8',
  'europe-west9',
  'me-central1',
  'me-central2',
  'me-west1',
  'northamerica-northeast1',
  'northamerica-northeast2',
  'northamerica-south1',
  'southamerica-east1',
  'southamerica-west1',
  'us-central1',
  'us-east1',
  'us-east4',
  'us-east5',
  'us-south1',
  'us-west1',
  'us-west2',
  'us-west3',
  'us-west4',
];

/** `<continent>-<area><number>`, e.g. `europe-west1`, `northamerica-northeast2` (Compute Engine "Regions and zones"). */
export const GCP_REGION_PATTERN = /^[a-z]+-[a-z]+[0-9]+$/;
