"""The function forms of Tensor methods, as in torch: `lg.exp(x)` is `x.exp()`.

Each is a plain alias of the method, one per line, so `grep "^exp ="` finds it; functions
whose torch signature differs from the method's live in `functions.py`.
"""

from __future__ import annotations

from .tensor import Tensor

# arithmetic and elementwise functions
neg = Tensor.neg
negative = Tensor.neg
reciprocal = Tensor.reciprocal
remainder = Tensor.remainder
fmod = Tensor.fmod
true_divide = Tensor.div
divide = Tensor.div
floor_divide = Tensor.floor_divide
multiply = Tensor.mul
subtract = Tensor.sub
square = Tensor.square
sqrt = Tensor.sqrt
rsqrt = Tensor.rsqrt
abs = Tensor.abs  # noqa: A001
absolute = Tensor.abs
sign = Tensor.sign
exp = Tensor.exp
exp2 = Tensor.exp2
expm1 = Tensor.expm1
log = Tensor.log
log1p = Tensor.log1p
log2 = Tensor.log2
log10 = Tensor.log10
sin = Tensor.sin
cos = Tensor.cos
tan = Tensor.tan
asin = arcsin = Tensor.asin
acos = arccos = Tensor.acos
atan = arctan = Tensor.atan
sinh = Tensor.sinh
cosh = Tensor.cosh
tanh = Tensor.tanh
asinh = arcsinh = Tensor.asinh
acosh = arccosh = Tensor.acosh
atanh = arctanh = Tensor.atanh
atan2 = arctan2 = Tensor.atan2
hypot = Tensor.hypot
lerp = Tensor.lerp
addcmul = Tensor.addcmul
addcdiv = Tensor.addcdiv
logit = Tensor.logit
sigmoid = Tensor.sigmoid
relu = Tensor.relu
floor = Tensor.floor
ceil = Tensor.ceil
round = Tensor.round  # noqa: A001
trunc = fix = Tensor.trunc
frac = Tensor.frac
nan_to_num = Tensor.nan_to_num
clamp_min = Tensor.clamp_min
clamp_max = Tensor.clamp_max
isnan = Tensor.isnan
isinf = Tensor.isinf
isfinite = Tensor.isfinite
eq = Tensor.eq
ne = not_equal = Tensor.ne
lt = less = Tensor.lt
le = less_equal = Tensor.le
gt = greater = Tensor.gt
ge = greater_equal = Tensor.ge
logical_not = Tensor.logical_not
logical_and = Tensor.logical_and
logical_or = Tensor.logical_or
logical_xor = Tensor.logical_xor
bitwise_not = Tensor.bitwise_not
bitwise_and = Tensor.bitwise_and
bitwise_or = Tensor.bitwise_or
bitwise_xor = Tensor.bitwise_xor

# reductions, running sums, order statistics
sum = Tensor.sum  # noqa: A001
mean = Tensor.mean
prod = Tensor.prod
amax = Tensor.amax
amin = Tensor.amin
argmax = Tensor.argmax
argmin = Tensor.argmin
logsumexp = Tensor.logsumexp
var = Tensor.var
std = Tensor.std
nansum = Tensor.nansum
nanmean = Tensor.nanmean
all = Tensor.all  # noqa: A001
any = Tensor.any  # noqa: A001
count_nonzero = Tensor.count_nonzero
cumsum = Tensor.cumsum
cumprod = Tensor.cumprod
median = Tensor.median
kthvalue = Tensor.kthvalue
softmax = Tensor.softmax
log_softmax = Tensor.log_softmax

# sorting and counting
sort = Tensor.sort
argsort = Tensor.argsort
msort = Tensor.msort
topk = Tensor.topk
unique = Tensor.unique
bincount = Tensor.bincount

# products, diagonals, triangles
mm = Tensor.mm
bmm = Tensor.bmm
mv = Tensor.mv
addmm = Tensor.addmm
dot = Tensor.dot
outer = ger = Tensor.outer
diag = Tensor.diag
diagonal = Tensor.diagonal
diag_embed = Tensor.diag_embed
tril = Tensor.tril
triu = Tensor.triu
trace = Tensor.trace

# shapes
reshape = Tensor.reshape
squeeze = Tensor.squeeze
unsqueeze = Tensor.unsqueeze
permute = Tensor.permute
transpose = swapaxes = swapdims = Tensor.transpose
movedim = moveaxis = Tensor.movedim
t = Tensor.t
flip = Tensor.flip
fliplr = Tensor.fliplr
flipud = Tensor.flipud
roll = Tensor.roll
narrow = Tensor.narrow
select = Tensor.select
split = Tensor.split
chunk = Tensor.chunk
unbind = Tensor.unbind
unflatten = Tensor.unflatten
tile = Tensor.tile
tensor_split = Tensor.tensor_split
broadcast_to = Tensor.broadcast_to
clone = Tensor.clone
detach = Tensor.detach

# reading and writing by position
gather = Tensor.gather
take = Tensor.take
take_along_dim = Tensor.take_along_dim
index_select = Tensor.index_select
masked_fill = Tensor.masked_fill
masked_select = Tensor.masked_select
masked_scatter = Tensor.masked_scatter
nonzero = Tensor.nonzero
scatter = Tensor.scatter
scatter_add = Tensor.scatter_add
scatter_reduce = Tensor.scatter_reduce
index_add = Tensor.index_add
index_fill = Tensor.index_fill
index_put = Tensor.index_put
is_complex = Tensor.is_complex

# in-place forms that torch also offers as functions (torch.exp_(x) is x.exp_())
abs_ = Tensor.abs_
neg_ = negative_ = Tensor.neg_
reciprocal_ = Tensor.reciprocal_
square_ = Tensor.square_
sqrt_ = Tensor.sqrt_
rsqrt_ = Tensor.rsqrt_
exp_ = Tensor.exp_
exp2_ = Tensor.exp2_
expm1_ = Tensor.expm1_
log_ = Tensor.log_
log1p_ = Tensor.log1p_
log2_ = Tensor.log2_
log10_ = Tensor.log10_
sin_ = Tensor.sin_
cos_ = Tensor.cos_
tan_ = Tensor.tan_
asin_ = arcsin_ = Tensor.asin_
acos_ = arccos_ = Tensor.acos_
atan_ = arctan_ = Tensor.atan_
sinh_ = Tensor.sinh_
cosh_ = Tensor.cosh_
tanh_ = Tensor.tanh_
asinh_ = arcsinh_ = Tensor.asinh_
acosh_ = arccosh_ = Tensor.acosh_
atanh_ = arctanh_ = Tensor.atanh_
sigmoid_ = Tensor.sigmoid_
logit_ = Tensor.logit_
xlogy_ = Tensor.xlogy_
relu_ = Tensor.relu_
floor_ = Tensor.floor_
ceil_ = Tensor.ceil_
round_ = Tensor.round_
trunc_ = fix_ = Tensor.trunc_
frac_ = Tensor.frac_
nan_to_num_ = Tensor.nan_to_num_
clamp_ = clip_ = Tensor.clamp_
clamp_min_ = Tensor.clamp_min_
clamp_max_ = Tensor.clamp_max_
fill_ = Tensor.fill_
zero_ = Tensor.zero_
index_put_ = Tensor.index_put_
detach_ = Tensor.detach_
