// The image's healthcheck: exits 0 when this container's service answers /readyz with 200
// (OPS_PORT for every service; the gateway's own PORT when OPS_PORT is unset).
const port = process.env.OPS_PORT || process.env.PORT || "3000";
const timer = setTimeout(() => process.exit(1), 2_500);
fetch(`http://127.0.0.1:${port}/readyz`).then(
  (res) => process.exit(res.ok ? 0 : 1),
  () => process.exit(1),
);
timer.unref();
