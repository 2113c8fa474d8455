# Reports what the rendered config files hold, without printing any secret value (only lengths and public fields).
set -eu
password=$(sed -n 's/^password = //p' files/db.ini)
project=$(sed -n 's/.*"project_id": *"\([^"]*\)".*/\1/p' files/service_account.json)
echo "stage: {{ _stage or 'prod' }}"
echo "db user: $(sed -n 's/^user = //p' files/db.ini)"
echo "db password: $(printf '%s' "$password" | wc -c | tr -d ' ') characters"
echo "service account project: $project"
