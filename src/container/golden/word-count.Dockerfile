# Image of the handoff project "word-count", written by handoff 1.2.3 (container build).
# To build from your own Dockerfile instead, set container.docker_file in project.yml.
FROM localhost/handoff-base:bookworm-node20-r1

# handoff needs Node.js 20 or newer, the installs need Python 3 with venv, and tini is the init process. The offline
# base (npm run container:base) has them all; on another Debian-based base they are installed here.
RUN if ! command -v tini >/dev/null 2>&1 || ! python3 -c "import ensurepip" >/dev/null 2>&1; then \
      apt-get update \
      && DEBIAN_FRONTEND=noninteractive apt-get install -y --no-install-recommends python3 python3-venv tini ca-certificates \
      && rm -rf /var/lib/apt/lists/*; \
    fi \
 && node -e 'if (Number(process.versions.node.split(".")[0]) < 20) { console.error("handoff needs Node.js 20 or newer in the base image, found " + process.version); process.exit(1) }'

# handoff itself: its self-contained bundle, so nothing is installed or downloaded for it.
COPY handoff/ /opt/handoff/
RUN ln -sf /opt/handoff/bin/handoff.js /usr/local/bin/handoff && handoff --version

# The project's files/.
COPY project-files/ /project/files/
# The project itself; its .secrets/ is never in the build context.
COPY project/ /project/
WORKDIR /workspace
# Clouds may run the image as a user other than root (ECS user, runAsNonRoot, OpenShift's random UIDs): the
# workspace folder is writable by any user, without the folders the installs left (a run makes its own), and the
# venvs stay root's, read and used as they are. Only the folder itself changes, so no layer is copied again.
RUN chmod 0777 /workspace && rm -rf /workspace/files /workspace/artifacts /workspace/runs /workspace/.handoff /workspace/.handoff.lock
LABEL org.opencontainers.image.title="word-count" org.opencontainers.image.version="0.3" io.handoff.version="1.2.3"
# tini is PID 1: it passes signals on to handoff and reaps orphaned processes. The default command runs the
# project from its store as the cloud does: the stage from $HO_STAGE, variables from $__VARS (evaluated at run
# time); arguments given to the container replace it, e.g. `run local -p /project -w /workspace`.
ENTRYPOINT ["tini", "--", "handoff"]
CMD ["run","-p","/project","-w","/workspace","-a"]
