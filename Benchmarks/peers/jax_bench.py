"""JAX + optax peer of `forger-bench train`: the same workloads as torch_bench.py, written functionally.

Usage: jax_bench.py MODEL [--batch-size B] [--steps N] [--warmup W] [--threads T] [--seed S]
       jax_bench.py MODEL --crosscheck      (forward outputs equal the PyTorch reference modules')

Same architectures (NCHW, PyTorch weight layouts, parameters named as the PyTorch state_dict), inits, losses,
update order and Adam settings as models.py / torch_bench.py; BatchNorm in training mode with batch
statistics and running-stat updates (PyTorch's convention: biased variance to normalise, unbiased into
running_var). The whole step (noise, both forwards, both backwards, both Adam updates) is one jitted
function; the real batch is built before timing; warm-up steps (which include compilation) are not timed.

Threads: XLA's CPU backend has no thread-count setting, so T threads means the process is pinned to T
cores with sched_setaffinity before JAX starts (and, for T = 1, XLA's multi-threaded Eigen is also off).
"""
import argparse
import json
import os
import resource
import statistics
import sys
import time


def parse():
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("model", choices=["cgan", "dcgan", "dcgan64", "mlp"])
    parser.add_argument("--batch-size", type=int)
    parser.add_argument("--steps", type=int, default=20)
    parser.add_argument("--warmup", type=int, default=3)
    parser.add_argument("--threads", type=int, default=2)
    parser.add_argument("--seed", type=int, default=0)
    parser.add_argument("--crosscheck", action="store_true")
    return parser.parse_args()


ARGUMENTS = parse() if __name__ == "__main__" else None
if ARGUMENTS is not None and not ARGUMENTS.crosscheck:
    cpus = sorted(os.sched_getaffinity(0))[:ARGUMENTS.threads]
    os.sched_setaffinity(0, cpus)
    if ARGUMENTS.threads == 1:
        os.environ["XLA_FLAGS"] = (os.environ.get("XLA_FLAGS", "") +
                                   " --xla_cpu_multi_thread_eigen=false intra_op_parallelism_threads=1").strip()

import jax  # noqa: E402  (after the affinity and XLA_FLAGS are set)
import jax.numpy as jnp  # noqa: E402
import optax  # noqa: E402
from jax import lax  # noqa: E402

jax.config.update("jax_platforms", "cpu")

LATENT, CLASSES = 100, 10
DEFAULT_BATCH = {"mlp": 64, "dcgan": 256, "dcgan64": 64, "cgan": 64}
IMAGE_SHAPE = {"mlp": (1, 28, 28), "cgan": (1, 28, 28), "dcgan": (1, 28, 28), "dcgan64": (1, 64, 64)}
ADAM = {  # lr, b1, b2, eps (PyTorch's Adam; optax's adam is the same bias-corrected update)
    "mlp": (2e-4, 0.5, 0.999, 1e-8), "cgan": (2e-4, 0.5, 0.999, 1e-8),
    "dcgan": (1e-4, 0.9, 0.999, 1e-7), "dcgan64": (2e-4, 0.5, 0.999, 1e-8),
}
STATS = ("running_mean", "running_var", "num_batches_tracked")


# ------------------------------------------------------------------------------------------------ inits

class Init:
    """Parameter builder: `params` (trainable) and `state` (BatchNorm running statistics), PyTorch names."""

    def __init__(self, key):
        self.key, self.params, self.state = key, {}, {}

    def next(self):
        self.key, key = jax.random.split(self.key)
        return key

    def uniform(self, shape, bound):
        return jax.random.uniform(self.next(), shape, jnp.float32, -bound, bound)

    def normal(self, shape, mean, std):
        return mean + std * jax.random.normal(self.next(), shape, jnp.float32)

    def linear(self, name, n_in, n_out, init="torch", bias=True):
        if init == "torch":  # kaiming_uniform(a=sqrt 5) = U(±1/sqrt(fan_in)); bias the same
            self.params[f"{name}.weight"] = self.uniform((n_out, n_in), n_in ** -0.5)
            if bias:
                self.params[f"{name}.bias"] = self.uniform((n_out,), n_in ** -0.5)
        else:  # glorot
            self.params[f"{name}.weight"] = self.uniform((n_out, n_in), (6 / (n_in + n_out)) ** 0.5)
            if bias:
                self.params[f"{name}.bias"] = jnp.zeros((n_out,), jnp.float32)

    def conv(self, name, shape, init, bias=False):
        """shape: Conv2d [out, in, k, k] or ConvTranspose2d [in, out, k, k] (fan_in + fan_out is the same)."""
        receptive = shape[2] * shape[3]
        if init == "glorot":
            self.params[f"{name}.weight"] = self.uniform(shape, (6 / ((shape[0] + shape[1]) * receptive)) ** 0.5)
        else:  # N(0, 0.02)
            self.params[f"{name}.weight"] = self.normal(shape, 0.0, 0.02)
        if bias:
            self.params[f"{name}.bias"] = jnp.zeros((shape[0],), jnp.float32)

    def batch_norm(self, name, features, weight_std=0.0):
        self.params[f"{name}.weight"] = (self.normal((features,), 1.0, weight_std) if weight_std
                                         else jnp.ones((features,), jnp.float32))
        self.params[f"{name}.bias"] = jnp.zeros((features,), jnp.float32)
        self.state[f"{name}.running_mean"] = jnp.zeros((features,), jnp.float32)
        self.state[f"{name}.running_var"] = jnp.ones((features,), jnp.float32)
        self.state[f"{name}.num_batches_tracked"] = jnp.zeros((), jnp.int32)

    def embedding(self, name, count, dim):
        self.params[f"{name}.weight"] = self.normal((count, dim), 0.0, 1.0)


def mlp_g_init(b, first_in):
    b.linear("model.0", first_in, 128)
    for index, (n_in, n_out) in zip((2, 5, 8), ((128, 256), (256, 512), (512, 1024))):
        b.linear(f"model.{index}", n_in, n_out)
        b.batch_norm(f"model.{index + 1}", n_out)
    b.linear("model.11", 1024, 784)


def build(name, key):
    """(g_params, g_state, d_params, d_state) as the reference initialises them."""
    g, d = Init(jax.random.fold_in(key, 0)), Init(jax.random.fold_in(key, 1))
    if name == "mlp":
        mlp_g_init(g, LATENT)
        d.linear("model.0", 784, 512), d.linear("model.2", 512, 256), d.linear("model.4", 256, 1)
    elif name == "cgan":
        g.embedding("label_emb", CLASSES, CLASSES)
        mlp_g_init(g, LATENT + CLASSES)
        d.embedding("label_embedding", CLASSES, CLASSES)
        d.linear("model.0", 794, 512), d.linear("model.2", 512, 512), d.linear("model.5", 512, 512)
        d.linear("model.8", 512, 1)
    elif name == "dcgan":
        g.linear("fc", LATENT, 12544, init="glorot", bias=False)
        g.batch_norm("bn0", 12544)
        g.conv("net.0", (256, 128, 5, 5), "glorot"), g.batch_norm("net.1", 128)
        g.conv("net.3", (128, 64, 5, 5), "glorot"), g.batch_norm("net.4", 64)
        g.conv("net.6", (64, 1, 5, 5), "glorot")
        d.conv("net.0", (64, 1, 5, 5), "glorot", bias=True)
        d.conv("net.3", (128, 64, 5, 5), "glorot", bias=True)
        d.linear("net.7", 6272, 1, init="glorot")
    elif name == "dcgan64":
        widths = (LATENT, 512, 256, 128, 64, 1)
        for layer in range(5):
            g.conv(f"main.{3 * layer}", (widths[layer], widths[layer + 1], 4, 4), "normal")
            if layer < 4:
                g.batch_norm(f"main.{3 * layer + 1}", widths[layer + 1], weight_std=0.02)
        d.conv("main.0", (64, 1, 4, 4), "normal")
        for index, (n_in, n_out) in zip((2, 5, 8), ((64, 128), (128, 256), (256, 512))):
            d.conv(f"main.{index}", (n_out, n_in, 4, 4), "normal")
            d.batch_norm(f"main.{index + 1}", n_out, weight_std=0.02)
        d.conv("main.11", (1, 512, 4, 4), "normal")
    else:
        raise KeyError(name)
    return g.params, g.state, d.params, d.state


# ------------------------------------------------------------------------------------------------ layers

def linear(p, name, x):
    y = x @ p[f"{name}.weight"].T
    bias = p.get(f"{name}.bias")
    return y if bias is None else y + bias


def conv2d(p, name, x, stride, padding):
    y = lax.conv_general_dilated(x, p[f"{name}.weight"], (stride, stride), [(padding, padding)] * 2,
                                 dimension_numbers=("NCHW", "OIHW", "NCHW"))
    bias = p.get(f"{name}.bias")
    return y if bias is None else y + bias[None, :, None, None]


def conv_transpose2d(p, name, x, stride, padding, output_padding=0):
    """PyTorch's ConvTranspose2d (weight [in, out, k, k]) as a dilated convolution with the flipped kernel."""
    weight = p[f"{name}.weight"]
    k = weight.shape[2]
    kernel = jnp.flip(weight, (2, 3)).transpose(1, 0, 2, 3)
    low, high = k - 1 - padding, k - 1 - padding + output_padding
    return lax.conv_general_dilated(x, kernel, (1, 1), [(low, high)] * 2, lhs_dilation=(stride, stride),
                                    dimension_numbers=("NCHW", "OIHW", "NCHW"))


def batch_norm(p, s, new_state, name, x, eps, momentum, training=True):
    """Training mode: normalise with the batch's biased variance; running stats take the unbiased one."""
    axes = (0,) if x.ndim == 2 else (0, 2, 3)
    shape = (1, -1) if x.ndim == 2 else (1, -1, 1, 1)
    if training:
        mean = x.mean(axes)
        var = jnp.square(x - mean.reshape(shape)).mean(axes)
        count = x.size // x.shape[1]
        new_state[f"{name}.running_mean"] = (1 - momentum) * s[f"{name}.running_mean"] + momentum * mean
        new_state[f"{name}.running_var"] = ((1 - momentum) * s[f"{name}.running_var"]
                                            + momentum * var * count / (count - 1))
        new_state[f"{name}.num_batches_tracked"] = s[f"{name}.num_batches_tracked"] + 1
    else:
        mean, var = s[f"{name}.running_mean"], s[f"{name}.running_var"]
    normalised = (x - mean.reshape(shape)) * lax.rsqrt(var.reshape(shape) + eps)
    return normalised * p[f"{name}.weight"].reshape(shape) + p[f"{name}.bias"].reshape(shape)


def leaky_relu(x, slope):
    return jnp.where(x >= 0, x, slope * x)


def dropout(x, rate, key):
    if key is None:
        return x
    keep = jax.random.bernoulli(key, 1 - rate, x.shape)
    return jnp.where(keep, x / (1 - rate), 0.0)


# ------------------------------------------------------------------------------------------------ models
# Generators: (params, state, z, labels, training) -> (images, new_state).
# Discriminators: (params, state, images, labels, key) -> (scores [N], new_state); key None = no dropout.

def mlp_g_stack(p, s, x, training):
    new = dict(s)
    x = leaky_relu(linear(p, "model.0", x), 0.2)
    for index in (2, 5, 8):
        x = leaky_relu(batch_norm(p, s, new, f"model.{index + 1}", linear(p, f"model.{index}", x), 0.8, 0.1, training), 0.2)
    return jnp.tanh(linear(p, "model.11", x)).reshape(-1, 1, 28, 28), new


def mlp_g(p, s, z, labels, training=True):
    return mlp_g_stack(p, s, z, training)


def mlp_d(p, s, images, labels, key):
    x = images.reshape(images.shape[0], -1)
    x = leaky_relu(linear(p, "model.0", x), 0.2)
    x = leaky_relu(linear(p, "model.2", x), 0.2)
    return jax.nn.sigmoid(linear(p, "model.4", x)).reshape(-1), s


def cgan_g(p, s, z, labels, training=True):
    return mlp_g_stack(p, s, jnp.concatenate([p["label_emb.weight"][labels], z], -1), training)


def cgan_d(p, s, images, labels, key):
    keys = (None, None) if key is None else jax.random.split(key)
    x = jnp.concatenate([images.reshape(images.shape[0], -1), p["label_embedding.weight"][labels]], -1)
    x = leaky_relu(linear(p, "model.0", x), 0.2)
    x = leaky_relu(dropout(linear(p, "model.2", x), 0.4, keys[0]), 0.2)
    x = leaky_relu(dropout(linear(p, "model.5", x), 0.4, keys[1]), 0.2)
    return linear(p, "model.8", x).reshape(-1), s


def dcgan_g(p, s, z, labels, training=True):
    new = dict(s)
    x = leaky_relu(batch_norm(p, s, new, "bn0", linear(p, "fc", z), 1e-3, 0.01, training), 0.3)
    x = x.reshape(-1, 256, 7, 7)
    x = leaky_relu(batch_norm(p, s, new, "net.1", conv_transpose2d(p, "net.0", x, 1, 2), 1e-3, 0.01, training), 0.3)
    x = leaky_relu(batch_norm(p, s, new, "net.4", conv_transpose2d(p, "net.3", x, 2, 2, 1), 1e-3, 0.01, training), 0.3)
    return jnp.tanh(conv_transpose2d(p, "net.6", x, 2, 2, 1)), new


def dcgan_d(p, s, images, labels, key):
    keys = (None, None) if key is None else jax.random.split(key)
    x = dropout(leaky_relu(conv2d(p, "net.0", images, 2, 2), 0.3), 0.3, keys[0])
    x = dropout(leaky_relu(conv2d(p, "net.3", x, 2, 2), 0.3), 0.3, keys[1])
    return linear(p, "net.7", x.reshape(x.shape[0], -1)).reshape(-1), s


def dcgan64_g(p, s, z, labels, training=True):
    new = dict(s)
    x = z.reshape(z.shape[0], -1, 1, 1)
    x = jax.nn.relu(batch_norm(p, s, new, "main.1", conv_transpose2d(p, "main.0", x, 1, 0), 1e-5, 0.1, training))
    for index in (3, 6, 9):
        x = jax.nn.relu(batch_norm(p, s, new, f"main.{index + 1}", conv_transpose2d(p, f"main.{index}", x, 2, 1),
                                   1e-5, 0.1, training))
    return jnp.tanh(conv_transpose2d(p, "main.12", x, 2, 1)), new


def dcgan64_d(p, s, images, labels, key, training=True):
    new = dict(s)
    x = leaky_relu(conv2d(p, "main.0", images, 2, 1), 0.2)
    for index in (2, 5, 8):
        x = leaky_relu(batch_norm(p, s, new, f"main.{index + 1}", conv2d(p, f"main.{index}", x, 2, 1), 1e-5, 0.1,
                                  training), 0.2)
    return jax.nn.sigmoid(conv2d(p, "main.11", x, 1, 0)).reshape(-1), new


NETWORKS = {"mlp": (mlp_g, mlp_d), "cgan": (cgan_g, cgan_d), "dcgan": (dcgan_g, dcgan_d),
            "dcgan64": (dcgan64_g, dcgan64_d)}


# ------------------------------------------------------------------------------------------------ losses

def bce(probabilities, target):
    """PyTorch's BCELoss: logs clamped at -100."""
    log_p = jnp.maximum(jnp.log(probabilities), -100.0)
    log_q = jnp.maximum(jnp.log1p(-probabilities), -100.0)
    return -jnp.mean(target * log_p + (1 - target) * log_q)


def bce_logits(logits, target):
    return jnp.mean(optax.sigmoid_binary_cross_entropy(logits, jnp.full_like(logits, target)))


def mse(scores, target):
    return jnp.mean(jnp.square(scores - target))


# ------------------------------------------------------------------------------------------------ steps

def make_step(name, batch):
    generate, discriminate = NETWORKS[name]
    optimizer = optax.adam(*ADAM[name])  # learning_rate, b1, b2, eps
    loss = mse if name == "cgan" else bce
    dropout_model = name in ("cgan", "dcgan")

    def apply(grads, params, opt_state):
        updates, opt_state = optimizer.update(grads, opt_state, params)
        return optax.apply_updates(params, updates), opt_state

    def step(carry, real, real_labels):
        gp, gs, dp, ds, g_opt, d_opt, key = carry
        key, k_z, k_y, k1, k2, k3 = jax.random.split(key, 6)
        if not dropout_model:
            k1 = k2 = k3 = None
        z = jax.random.normal(k_z, (batch, LATENT), jnp.float32)
        fake_labels = jax.random.randint(k_y, (batch,), 0, CLASSES)

        if name == "dcgan":  # the tutorial's simultaneous update from one forward pass
            def losses(g_params, d_params):
                fake, g_state = generate(g_params, gs, z, fake_labels)
                real_logits, _ = discriminate(d_params, ds, real, real_labels, k1)
                fake_logits, _ = discriminate(d_params, ds, fake, fake_labels, k2)
                d_loss = bce_logits(real_logits, 1.0) + bce_logits(fake_logits, 0.0)
                return (d_loss, bce_logits(fake_logits, 1.0)), g_state

            (d_loss, g_loss), pullback, gs = jax.vjp(losses, gp, dp, has_aux=True)
            d_grads = pullback((jnp.ones(()), jnp.zeros(())))[1]
            g_grads = pullback((jnp.zeros(()), jnp.ones(())))[0]
            dp, d_opt = apply(d_grads, dp, d_opt)
            gp, g_opt = apply(g_grads, gp, g_opt)
            return (gp, gs, dp, ds, g_opt, d_opt, key), (d_loss, g_loss)

        # One generator forward serves both updates: keep its pullback for G's gradient.
        fake, g_pullback, gs = jax.vjp(lambda g_params: generate(g_params, gs, z, fake_labels), gp, has_aux=True)

        def g_loss_of_fake(images, d_params, d_state, k):
            scores, d_state = discriminate(d_params, d_state, images, fake_labels, k)
            return loss(scores, 1.0), d_state

        def d_loss_fn(d_params, d_state):
            real_scores, d_state = discriminate(d_params, d_state, real, real_labels, k2)
            fake_scores, d_state = discriminate(d_params, d_state, lax.stop_gradient(fake), fake_labels, k3)
            total = loss(real_scores, 1.0) + loss(fake_scores, 0.0)
            return (total / 2 if name in ("mlp", "cgan") else total), d_state

        if name == "dcgan64":  # D first, then G against the updated D
            (d_loss, ds), d_grads = jax.value_and_grad(d_loss_fn, has_aux=True)(dp, ds)
            dp, d_opt = apply(d_grads, dp, d_opt)
            (g_loss, ds), d_fake = jax.value_and_grad(g_loss_of_fake, has_aux=True)(fake, dp, ds, k1)
            gp, g_opt = apply(g_pullback(d_fake)[0], gp, g_opt)
        else:  # mlp, cgan: G first against the current D, then D
            (g_loss, ds), d_fake = jax.value_and_grad(g_loss_of_fake, has_aux=True)(fake, dp, ds, k1)
            gp, g_opt = apply(g_pullback(d_fake)[0], gp, g_opt)
            (d_loss, ds), d_grads = jax.value_and_grad(d_loss_fn, has_aux=True)(dp, ds)
            dp, d_opt = apply(d_grads, dp, d_opt)
        return (gp, gs, dp, ds, g_opt, d_opt, key), (d_loss, g_loss)

    return optimizer, jax.jit(step, donate_argnums=(0,))


def crosscheck(name):
    """Loads a PyTorch reference module's weights into the JAX functions and compares forward outputs."""
    import numpy as np
    import torch
    from models import MODELS

    torch.manual_seed(0)
    generator, discriminator = MODELS[name][0](), MODELS[name][1]()
    to_jax = lambda module: ({k: jnp.asarray(v.numpy()) for k, v in module.state_dict().items() if not k.endswith(STATS)},
                             {k: jnp.asarray(v.numpy()) for k, v in module.state_dict().items() if k.endswith(STATS)})
    (gp, gs), (dp, ds) = to_jax(generator), to_jax(discriminator)
    z = torch.randn(16, LATENT)
    labels = torch.arange(16) % CLASSES
    generate, discriminate = NETWORKS[name]
    discriminator.eval()  # no dropout; dcgan64's D BN then uses running stats: compare that in training mode below
    if name == "dcgan64":
        discriminator.train()
    with torch.no_grad():
        images = generator(z, labels) if name == "cgan" else generator(z)
        scores = discriminator(images, labels) if name == "cgan" else discriminator(images)
    j_images, j_gs = generate(gp, gs, jnp.asarray(z.numpy()), jnp.asarray(labels.numpy()))
    j_scores, j_ds = discriminate(dp, ds, jnp.asarray(images.numpy()), jnp.asarray(labels.numpy()), None)
    differences = {"images": float(np.abs(np.asarray(j_images) - images.numpy()).max()),
                   "scores": float(np.abs(np.asarray(j_scores) - scores.numpy()).max())}
    for key, value in generator.state_dict().items():
        if key.endswith(("running_mean", "running_var")):
            differences[key] = float(np.abs(np.asarray(j_gs[key]) - value.numpy()).max())
    worst = max(differences.values())
    print(json.dumps({"peer": "jax", "model": name, "crosscheck_max_abs_difference": worst,
                      "ok": worst < 1e-4}))
    sys.exit(0 if worst < 1e-4 else 1)


def main(arguments):
    if arguments.crosscheck:
        return crosscheck(arguments.model)
    name = arguments.model
    batch = arguments.batch_size or DEFAULT_BATCH[name]
    key = jax.random.PRNGKey(arguments.seed)
    gp, gs, dp, ds = build(name, jax.random.fold_in(key, 1))
    optimizer, step = make_step(name, batch)
    data_key = jax.random.fold_in(key, 2)
    real = jax.random.uniform(data_key, (batch, *IMAGE_SHAPE[name]), jnp.float32, -1.0, 1.0)
    real_labels = jax.random.randint(jax.random.fold_in(data_key, 1), (batch,), 0, CLASSES)
    carry = (gp, gs, dp, ds, optimizer.init(gp), optimizer.init(dp), jax.random.fold_in(key, 3))
    jax.block_until_ready((carry, real, real_labels))
    compile_started = time.perf_counter()
    for _ in range(max(arguments.warmup, 1)):
        carry, losses = step(carry, real, real_labels)
        jax.block_until_ready((carry, losses))
    warmup_ms = (time.perf_counter() - compile_started) * 1000
    times = []
    for _ in range(arguments.steps):
        started = time.perf_counter()
        carry, losses = step(carry, real, real_labels)
        jax.block_until_ready((carry, losses))
        times.append((time.perf_counter() - started) * 1000)
    median = statistics.median(times)
    print(json.dumps({
        "peer": "jax", "model": name, "batch_size": batch, "threads": arguments.threads,
        "median_ms": round(median, 3), "images_per_s": round(batch / median * 1000, 1),
        "peak_rss_mb": round(resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024, 1),
        "min_ms": round(min(times), 3), "steps": arguments.steps, "warmup": arguments.warmup,
        "warmup_ms": round(warmup_ms, 1), "version": jax.__version__,
        "d_loss": float(losses[0]), "g_loss": float(losses[1]),
    }), flush=True)


if __name__ == "__main__":
    main(ARGUMENTS)
