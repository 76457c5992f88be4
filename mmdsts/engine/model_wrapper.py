"""DDP for UDL models.

MMEngine's ``MMDistributedDataParallel.train_step`` runs the plain
forward/backward and never calls the model's own ``train_step``, so UDL
would silently not happen. This wrapper runs the model's UDL step with itself
as the caller of the forward, so step 3's backward goes through DDP's
all-reduce; the meta-gradients of step 2, computed with
``torch.autograd.grad`` (which bypasses DDP), are averaged across ranks by
the model (:func:`mmdsts.engine.udl.average_across_ranks`).
"""
from mmengine.model import MMDistributedDataParallel
from mmengine.optim import OptimWrapperDict
from mmengine.registry import MODEL_WRAPPERS


@MODEL_WRAPPERS.register_module()
class UDLDistributedDataParallel(MMDistributedDataParallel):
    """``model_wrapper_cfg=dict(type='UDLDistributedDataParallel')``.

    On CPU (gloo) ``device_ids`` is dropped, as for every
    ``MMDistributedDataParallel`` once mmdsts is imported
    (:mod:`mmdsts.utils.mmengine_compat`).
    """

    def train_step(self, data, optim_wrapper):
        module = self.module
        if getattr(module, 'udl', None) is not None:
            return module.udl_train_step(self, data, optim_wrapper)
        if hasattr(module, 'plain_step_with_two_optimizers') and \
                isinstance(optim_wrapper, OptimWrapperDict):
            return module.plain_step_with_two_optimizers(
                self, data, optim_wrapper)
        return super().train_step(data, optim_wrapper)
